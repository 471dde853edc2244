# ipamd: the node daemon (helper "ipamd").
if(TARGET vpccni_ipamd)
  vpccni_binary(NAME ipamd SRCS ${CMAKE_CURRENT_SOURCE_DIR}/ipamd_main.cc
    DEPS vpccni::ipamd CLI11::CLI11)
endif()
