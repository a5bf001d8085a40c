// The hub's Lua scripts (run with EVALSHA by redis::Client::eval). Every
// script touches the keys of ONE channel (one slot: names.hpp).
//   publish   KEYS stream meta; ARGV data published_us history_size
//             history_ttl_ms new_epoch meta_ttl_ms pubsub_channel
//             publish|spublish -> {offset, epoch}. Atomically: the epoch
//             (new_epoch when the meta hash is gone: the stream restarts,
//             old entries deleted), HINCRBY o, XADD MAXLEN = size
//             "<offset>-1" d data t published_us, PEXPIRE stream
//             history_ttl and meta max(history_ttl, meta_ttl), PUBLISH the
//             payload (payload.hpp).
//   read      KEYS stream meta; ARGV create_epoch meta_ttl_ms from to limit
//             newest -> {offset, epoch, id1, data1, ts1, id2, ...}: the top
//             (epoch "" = no stream unless create_epoch starts one) and the
//             entries from..to (to 0 = the end) or the newest `limit`.
//   presence_add     KEYS p pz pu; ARGV ttl_ms (client value user)... (join and refresh)
//   presence_remove  KEYS p pz pu; ARGV client user
//   presence_get     KEYS p pz pu -> {num_users, {client, value, ...}} after
//                    removing expired members (expiry = Redis TIME + ttl).
// Thread: immutable statics.
#pragma once
#include "redis/script.hpp"

namespace strata::hub::broker {

const redis::Script& publish_script();
const redis::Script& read_script();
const redis::Script& presence_add_script();
const redis::Script& presence_remove_script();
const redis::Script& presence_get_script();

}  // namespace strata::hub::broker
