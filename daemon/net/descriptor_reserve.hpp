// Clients may take the descriptors the process has (RLIMIT_NOFILE) but a reserve: the
// segments being written, the database and the control socket must still open when a crowd
// (or a flood) arrives. The kernel gives the lowest free number, so an accepted descriptor
// numbered N means N below it are open: past the threshold the table is nearly full.
#pragma once

namespace bvlive::net {

// True when a newly accepted descriptor `fd` eats into the reserve: refuse that client.
bool in_descriptor_reserve(int fd);

}  // namespace bvlive::net
