# egress-cni: chained plugin for the other IP family's egress; links libnftables dynamically.
if(TARGET vpccni_cni_egress_runtime)
  vpccni_binary(NAME egress-cni SRCS ${CMAKE_CURRENT_SOURCE_DIR}/egress_cni_main.cc
    DEPS vpccni::cni_egress_runtime)
endif()
