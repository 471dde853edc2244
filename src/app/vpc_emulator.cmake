# vpc-emulator: EC2 Query + IMDSv2 server (src/vpcsim/server_*). Built once the model exists.
if(TARGET vpccni_vpcsim_server)
  vpccni_binary(NAME vpc-emulator SRCS ${CMAKE_CURRENT_SOURCE_DIR}/vpc_emulator_main.cc
    DEPS vpccni::vpcsim_server CLI11::CLI11)
  if(TARGET vpccni_vpcsim_binding)
    target_link_libraries(vpc-emulator PRIVATE vpccni::vpcsim_binding)
    target_compile_definitions(vpc-emulator PRIVATE VPCCNI_HAVE_BINDING=1)
  endif()
endif()
