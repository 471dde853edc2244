// File: binding_netns.h
//
// Node binding for vpc-emulator (root only): an emulated instance bound to a network namespace
// gets, inside that namespace, one link per attached ENI carrying the ENI's MAC (a veth end named
// eth<device-number>, its peer up in the emulator's own namespace; dummy links are not used as
// some kernels reject them), so a node daemon there finds its ENIs by MAC exactly as on EC2. The
// primary ENI's link gets the primary IPv4 with the subnet's prefix length and a default route via
// the subnet gateway (network + 1), as DHCP sets up on EC2. Links go away when their ENI detaches.
// Listening sockets (IMDS on e.g. 169.254.169.254:80) are opened from a thread that has entered
// the namespace; 169.254.169.254/32 is added to the namespace's loopback for that.
//
// Uses vpccni::netlink (rtnetlink over raw sockets); no `ip` commands.
// Thread-safety: all methods are thread-safe (one mutex).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "vpcsim/server_emulator.h"

namespace vpccni::vpcsim {

class NetnsBinder : public NodeBinder {
 public:
  // Runs fn on a new thread inside /run/netns/<name>, creating the namespace when absent (it is
  // then removed by Unbind). Brings lo up and adds 169.254.169.254/32 to it.
  Result<void> RunInNetns(const std::string& name, const std::function<void()>& fn) override;
  // Creates/deletes eth<N> links so the namespace holds exactly the view's attached ENIs.
  Result<void> Sync(const std::string& netns, const ImdsView& view) override;
  // Deletes the links Sync created (and the namespace if RunInNetns created it).
  void Unbind(const std::string& netns) override;

 private:
  struct NsState {
    bool created = false;
    std::set<std::string> macs;  // links we created, by MAC text
  };

  std::mutex mu_;
  std::map<std::string, NsState> state_;
  int peer_counter_ = 0;  // for unique veth peer names
};

// A NetnsBinder when the process runs as root, else nullptr (binding then unavailable).
std::unique_ptr<NodeBinder> MakeNetnsBinderIfPrivileged();

}  // namespace vpccni::vpcsim
