# The VPC model (owned by the vpcsim-model work): pure library behind vpc-emulator and the
# in-process fake EC2.
vpccni_library(NAME vpcsim_model
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/model.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_vpc.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_addresses.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_enis.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_instances.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_imds.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_json.cc
  DEPS vpccni::base vpccni::net vpccni::instance_limits nlohmann_json::nlohmann_json)
