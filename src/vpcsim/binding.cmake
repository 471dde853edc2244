# Node binding for vpc-emulator (root): ENI links inside network namespaces, via vpccni::netlink.
# src/netlink is added after src/vpcsim, so test for its folder rather than its target.
if(TARGET vpccni_vpcsim_server AND EXISTS ${CMAKE_SOURCE_DIR}/src/netlink/CMakeLists.txt)
  vpccni_library(NAME vpcsim_binding
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/binding_netns.cc
    DEPS vpccni::vpcsim_server vpccni::netlink)
  vpccni_test(NAME vpcsim_binding_test
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/binding_test.cc
    DEPS vpccni::vpcsim_binding vpccni::testing
    LABELS privileged)
endif()
