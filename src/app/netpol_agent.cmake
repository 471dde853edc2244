# netpol-agent: NetworkPolicy / ClusterNetworkPolicy enforcement on this node (nftables).
if(TARGET vpccni_policy_agent AND TARGET vpccni_policy_nft)
  vpccni_binary(NAME netpol-agent
    SRCS ${CMAKE_CURRENT_SOURCE_DIR}/netpol_agent_main.cc
    DEPS vpccni::policy_agent vpccni::policy_nft vpccni::k8s vpccni::metrics CLI11::CLI11
         PkgConfig::HTTPLIB Threads::Threads)
endif()
