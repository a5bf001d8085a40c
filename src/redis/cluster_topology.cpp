#include "redis/cluster_topology.hpp"

#include <charconv>

#include "redis/slot.hpp"

namespace strata::redis {

ClusterTopology::ClusterTopology(std::vector<ClusterShard> shards)
    : shards_(std::move(shards)), slot_(kSlots, -1) {
  for (std::size_t i = 0; i < shards_.size() && i < 32767; ++i)
    for (const auto& r : shards_[i].slots)
      for (unsigned s = r.first; s <= r.last && s < kSlots; ++s)
        if (slot_[s] < 0) {
          slot_[s] = static_cast<std::int16_t>(i);
          ++covered_;
        }
}

int ClusterTopology::shard_of(unsigned slot) const { return slot < kSlots ? slot_[slot] : -1; }

const Endpoint* ClusterTopology::master_of(unsigned slot) const {
  int i = shard_of(slot);
  return i < 0 ? nullptr : &shards_[std::size_t(i)].master;
}

std::vector<Endpoint> ClusterTopology::masters() const {
  std::vector<Endpoint> out;
  for (const auto& s : shards_) {
    bool seen = false;
    for (const auto& e : out) seen = seen || e == s.master;
    if (!seen && !s.slots.empty()) out.push_back(s.master);
  }
  return out;
}

std::vector<std::string> ClusterTopology::slot_shard_masters() const {
  std::vector<std::string> out(kSlots);
  for (unsigned s = 0; s < kSlots; ++s)
    if (slot_[s] >= 0) out[s] = shards_[std::size_t(slot_[s])].master.to_string();
  return out;
}

namespace {

bool as_int(const Reply& r, long long& v) {
  if (r.is_integer()) {
    v = r.integer;
    return true;
  }
  if (!r.is_string()) return false;
  auto* e = r.str.data() + r.str.size();
  auto [p, ec] = std::from_chars(r.str.data(), e, v);
  return ec == std::errc{} && p == e;
}

bool to_port(long long v, std::uint16_t& port) {
  if (v <= 0 || v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

bool to_slot(const Reply& r, unsigned& s) {
  long long v = 0;
  if (!as_int(r, v) || v < 0 || v >= static_cast<long long>(kSlots)) return false;
  s = static_cast<unsigned>(v);
  return true;
}

// The host a node announces: "" or nil = the node we asked; "?" = unknown.
bool resolve_host(const Reply* r, const TopologyContext& ctx, std::string& host) {
  if (!r || r->is_nil() || (r->is_string() && r->str.empty())) {
    host = ctx.from.host;
    return !host.empty();
  }
  if (!r->is_string() || r->str == "?") return false;
  host = r->str;
  return true;
}

struct NodeInfo {
  Endpoint ep;
  bool master = false;
  bool online = true;  // health "online"
  bool failed = false;  // health "fail"/"failed" ("loading" is neither)
};

// One node of CLUSTER SHARDS: flat key/value pairs.
bool parse_shard_node(const Reply& n, const TopologyContext& ctx, NodeInfo& out, bool& known, std::string& err) {
  if (!n.is_array() || n.elements.size() % 2 != 0) {
    err = "CLUSTER SHARDS: a node is not a key/value array";
    return false;
  }
  const Reply *endpoint = nullptr, *ip = nullptr;
  long long port = 0, tls_port = 0;
  bool has_role = false;
  for (std::size_t i = 0; i + 1 < n.elements.size(); i += 2) {
    const auto& k = n.elements[i];
    const auto& v = n.elements[i + 1];
    if (!k.is_string()) {
      err = "CLUSTER SHARDS: a node field name is not a string";
      return false;
    }
    if (k.str == "port" || k.str == "tls-port") {
      long long p = 0;
      if (!as_int(v, p)) {
        err = "CLUSTER SHARDS: node " + k.str + " is not an integer";
        return false;
      }
      (k.str == "port" ? port : tls_port) = p;
    } else if (k.str == "endpoint") {
      endpoint = &v;
    } else if (k.str == "ip") {
      ip = &v;
    } else if (k.str == "role") {
      if (!v.is_string()) {
        err = "CLUSTER SHARDS: node role is not a string";
        return false;
      }
      has_role = true;
      out.master = v.str == "master";
    } else if (k.str == "health") {
      out.online = v.is_string() && v.str == "online";
      out.failed = v.is_string() && v.str.starts_with("fail");
    }
  }
  if (!has_role) {
    err = "CLUSTER SHARDS: a node has no role";
    return false;
  }
  long long p = ctx.tls && tls_port ? tls_port : (port ? port : tls_port);
  if (!to_port(p, out.ep.port)) {
    err = "CLUSTER SHARDS: a node has no valid port";
    return false;
  }
  const Reply* host = endpoint && !(endpoint->is_string() && endpoint->str.empty()) ? endpoint : ip;
  known = resolve_host(host, ctx, out.ep.host);
  return true;
}

}  // namespace

bool parse_cluster_shards(const Reply& r, const TopologyContext& ctx, ClusterTopology& out, std::string& err) {
  if (r.is_error()) {
    err = "CLUSTER SHARDS: " + r.str;
    return false;
  }
  if (!r.is_array()) {
    err = "CLUSTER SHARDS: the reply is not an array";
    return false;
  }
  std::vector<ClusterShard> shards;
  for (const auto& sh : r.elements) {
    if (!sh.is_array() || sh.elements.size() % 2 != 0) {
      err = "CLUSTER SHARDS: a shard is not a key/value array";
      return false;
    }
    const Reply *slots = nullptr, *nodes = nullptr;
    for (std::size_t i = 0; i + 1 < sh.elements.size(); i += 2) {
      if (!sh.elements[i].is_string()) {
        err = "CLUSTER SHARDS: a shard field name is not a string";
        return false;
      }
      if (sh.elements[i].str == "slots") slots = &sh.elements[i + 1];
      if (sh.elements[i].str == "nodes") nodes = &sh.elements[i + 1];
    }
    if (!slots || !nodes || !slots->is_array() || !nodes->is_array()) {
      err = "CLUSTER SHARDS: a shard lacks its slots or nodes array";
      return false;
    }
    if (slots->elements.size() % 2 != 0) {
      err = "CLUSTER SHARDS: odd number of slot range bounds";
      return false;
    }
    ClusterShard shard;
    for (std::size_t i = 0; i + 1 < slots->elements.size(); i += 2) {
      SlotRange sr;
      if (!to_slot(slots->elements[i], sr.first) || !to_slot(slots->elements[i + 1], sr.last) || sr.first > sr.last) {
        err = "CLUSTER SHARDS: bad slot range";
        return false;
      }
      shard.slots.push_back(sr);
    }
    bool have_master = false, master_online = false, master_unknown = false;
    for (const auto& n : nodes->elements) {
      NodeInfo ni;
      bool known = false;
      if (!parse_shard_node(n, ctx, ni, known, err)) return false;
      if (!known) {
        master_unknown = master_unknown || ni.master;
        continue;
      }
      if (ni.master) {
        // Two masters in one shard (a failed one beside the promoted
        // one): the online one wins.
        if (!have_master || (!master_online && ni.online)) {
          shard.master = ni.ep;
          have_master = true;
          master_online = ni.online;
        }
      } else if (!ni.failed) {
        shard.replicas.push_back(ni.ep);
      }
    }
    // A master whose address is unknown ("?"): its slots stay uncovered.
    if (shard.slots.empty() || (!have_master && master_unknown)) continue;
    if (!have_master) {
      err = "CLUSTER SHARDS: a shard with slots has no master";
      return false;
    }
    shards.push_back(std::move(shard));
  }
  out = ClusterTopology(std::move(shards));
  return true;
}

namespace {

bool parse_slots_node(const Reply& n, const TopologyContext& ctx, Endpoint& ep, bool& known, std::string& err) {
  long long port = 0;
  if (!n.is_array() || n.elements.size() < 2 || !as_int(n.elements[1], port) || !to_port(port, ep.port)) {
    err = "CLUSTER SLOTS: a node is not [host, port, ...]";
    return false;
  }
  if (!n.elements[0].is_nil() && !n.elements[0].is_string()) {
    err = "CLUSTER SLOTS: a node host is not a string";
    return false;
  }
  known = resolve_host(&n.elements[0], ctx, ep.host);
  return true;
}

}  // namespace

bool parse_cluster_slots(const Reply& r, const TopologyContext& ctx, ClusterTopology& out, std::string& err) {
  if (r.is_error()) {
    err = "CLUSTER SLOTS: " + r.str;
    return false;
  }
  if (!r.is_array()) {
    err = "CLUSTER SLOTS: the reply is not an array";
    return false;
  }
  std::vector<ClusterShard> shards;
  for (const auto& e : r.elements) {
    if (!e.is_array() || e.elements.size() < 3) {
      err = "CLUSTER SLOTS: an entry is not [first, last, master, ...]";
      return false;
    }
    SlotRange sr;
    if (!to_slot(e.elements[0], sr.first) || !to_slot(e.elements[1], sr.last) || sr.first > sr.last) {
      err = "CLUSTER SLOTS: bad slot range";
      return false;
    }
    ClusterShard shard;
    bool known = false;
    if (!parse_slots_node(e.elements[2], ctx, shard.master, known, err)) return false;
    if (!known) continue;
    for (std::size_t i = 3; i < e.elements.size(); ++i) {
      Endpoint rep;
      bool rk = false;
      if (!parse_slots_node(e.elements[i], ctx, rep, rk, err)) return false;
      if (rk) shard.replicas.push_back(rep);
    }
    // One entry per range: ranges of the same master join one shard.
    bool merged = false;
    for (auto& s : shards)
      if (s.master == shard.master) {
        s.slots.push_back(sr);
        merged = true;
        break;
      }
    if (!merged) {
      shard.slots.push_back(sr);
      shards.push_back(std::move(shard));
    }
  }
  out = ClusterTopology(std::move(shards));
  return true;
}

std::optional<Redirect> parse_redirect(std::string_view error, const Endpoint& from) {
  Redirect rd;
  if (error.starts_with("MOVED ")) {
    rd.kind = Redirect::Kind::moved;
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    rd.kind = Redirect::Kind::ask;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  auto sp = error.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  auto num = error.substr(0, sp);
  auto addr = error.substr(sp + 1);
  unsigned slot = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), slot);
  if (ec != std::errc{} || p != num.data() + num.size() || slot >= kSlots) return std::nullopt;
  rd.slot = slot;
  if (addr.starts_with(":")) {  // unknown host: the node that answered
    std::string full = from.host.find(':') != std::string::npos ? "[" + from.host + "]" : from.host;
    full += addr;
    if (from.host.empty() || !parse_endpoint(full, rd.to)) return std::nullopt;
  } else if (!parse_endpoint(addr, rd.to)) {
    return std::nullopt;
  }
  return rd;
}

bool is_retryable_cluster_error(std::string_view error) {
  return error.starts_with("TRYAGAIN") || error.starts_with("CLUSTERDOWN");
}

}  // namespace strata::redis
