# vpc-cni: the CNI plugin. Linked statically (spawn cost ~2 ms); needs the node wiring library.
if(TARGET vpccni_cni_runtime)
  vpccni_binary(NAME vpc-cni SRCS ${CMAKE_CURRENT_SOURCE_DIR}/vpc_cni_main.cc
    DEPS vpccni::cni_runtime STATIC)
endif()
