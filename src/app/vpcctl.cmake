vpccni_binary(NAME vpcctl SRCS ${CMAKE_CURRENT_SOURCE_DIR}/vpcctl_main.cc DEPS vpccni::cli)
