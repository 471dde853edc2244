# vpc-emulator pieces (owned by the emulator server work):
#   vpccni::vpcsim_query  pure EC2 Query codec (params, lists, filters, tags, XML, errors, auth hdr)
#   vpccni::vpcsim_imds   pure IMDSv2 handler (tokens, meta-data tree)
#   vpccni::vpcsim_server EC2 action layer over VpcModel + the HTTP server (needs the model)
vpccni_library(NAME vpcsim_query
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/query_params.cc ${CMAKE_CURRENT_SOURCE_DIR}/query_xml.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/query_auth.cc
  DEPS vpccni::base)
vpccni_test(NAME vpcsim_query_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/query_test.cc
  DEPS vpccni::vpcsim_query vpccni::testing)
vpccni_fuzz(NAME vpcsim_query_parse
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/query_parse_fuzz.cc
  DEPS vpccni::vpcsim_query)

vpccni_library(NAME vpcsim_imds
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/imds_handler.cc
  DEPS vpccni::vpcsim_query vpccni::net vpccni::instance_limits nlohmann_json::nlohmann_json)
vpccni_test(NAME vpcsim_imds_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/imds_test.cc
  DEPS vpccni::vpcsim_imds vpccni::testing)

# The EC2 action layer, scenario files and the HTTP server need the model (model.cmake).
if(TARGET vpccni_vpcsim_model)
  vpccni_library(NAME vpcsim_server
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/server_ec2.cc ${CMAKE_CURRENT_SOURCE_DIR}/scenario_file.cc
         ${CMAKE_CURRENT_SOURCE_DIR}/server_emulator.cc ${CMAKE_CURRENT_SOURCE_DIR}/server_tiny_http.cc
    DEPS vpccni::vpcsim_model vpccni::vpcsim_query vpccni::vpcsim_imds vpccni::sigv4
         yaml-cpp PkgConfig::HTTPLIB Threads::Threads nlohmann_json::nlohmann_json)
  vpccni_test(NAME vpcsim_server_test
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/server_ec2_test.cc ${CMAKE_CURRENT_SOURCE_DIR}/scenario_test.cc
         ${CMAKE_CURRENT_SOURCE_DIR}/server_tiny_http_test.cc
    DEPS vpccni::vpcsim_server vpccni::testing)
endif()
