# The VPC model (owned by the vpcsim-model work): pure library behind vpc-emulator and the
# in-process fake EC2.
vpccni_library(NAME vpcsim_model
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/model.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_vpc.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_addresses.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_enis.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_instances.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_imds.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_json.cc
  DEPS vpccni::base vpccni::net vpccni::instance_limits nlohmann_json::nlohmann_json)
vpccni_test(NAME vpcsim_model_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/model_test.cc ${CMAKE_CURRENT_SOURCE_DIR}/model_addresses_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/model_property_test.cc
  DEPS vpccni::vpcsim_model vpccni::testing
  LABELS unit)
vpccni_fuzz(NAME vpcsim_model SRCS ${CMAKE_CURRENT_SOURCE_DIR}/model_fuzz.cc
  DEPS vpccni::vpcsim_model)

# In-process Ec2Api over the model (the fake EC2 for ipam/ipamd tests and vpcctl warm-pool).
if(TARGET vpccni_cloud_api)
  vpccni_library(NAME vpcsim_ec2api
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/model_ec2_api.cc
    DEPS vpccni::vpcsim_model vpccni::cloud_api Threads::Threads)
  vpccni_test(NAME vpcsim_ec2api_test
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/model_ec2_api_test.cc
    DEPS vpccni::vpcsim_ec2api vpccni::testing
    LABELS unit)
endif()
