#include "profile/heap_profile.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "common/input_file.h"
#include "common/json_integer.h"
#include <nlohmann/json.hpp>

namespace oomkit::profile {

std::string FrameName(const CallFrame& f) {
  std::string fn = f.function.empty() ? "(anonymous)" : f.function;
  if (f.url.empty()) return fn;
  return fmt::format("{} ({}:{}:{})", fn, f.url, f.line + 1, f.column + 1);
}

namespace {
Result<HeapProfile> Interpret(const nlohmann::json& j);
}  // namespace

Result<HeapProfile> ReadHeapProfile(std::string_view text) {
  if (text.empty()) return Status::Error("empty file, not a heap profile");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::Error(fmt::format("byte {}: not valid JSON (cut short, or not a heap profile)", e.byte));
  } catch (const nlohmann::json::exception& e) {  // a number out of range, ...
    return Status::Error(fmt::format("not valid JSON: {}", e.what()));
  }
  try {
    return Interpret(j);
  } catch (const nlohmann::json::exception& e) {  // a field of an unexpected type
    return Status::Error(fmt::format("not a sampling heap profile as oomkit knows them: {}", e.what()));
  }
}

namespace {

Result<HeapProfile> Interpret(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("head") || !j["head"].is_object())
    return Status::Error("not a sampling heap profile (no \"head\" node)");
  HeapProfile p;
  std::map<std::tuple<std::string, std::string, int64_t, int64_t>, uint32_t> frame_ids;
  std::map<uint32_t, uint32_t> index_of_id;
  // Iterative walk: parents are stored before their children.
  std::vector<std::pair<const nlohmann::json*, uint32_t>> stack{{&j.at("head"), UINT32_MAX}};
  while (!stack.empty()) {
    auto [n, parent] = stack.back();
    stack.pop_back();
    if (!n->is_object()) return Status::Error("a profile node is not an object");
    CallFrame f;
    if (n->contains("callFrame") && (*n)["callFrame"].is_object()) {
      const auto& cf = (*n)["callFrame"];
      f.function = cf.value("functionName", "");
      f.url = cf.value("url", "");
      for (auto [key, out] : {std::pair{"lineNumber", &f.line}, std::pair{"columnNumber", &f.column}}) {
        if (!cf.contains(key)) continue;  // stays -1, as V8 writes an unknown position
        auto v = JsonInteger<int64_t>(cf[key]);
        if (!v) return Status::Error(fmt::format("a call frame's {} is not a whole number", key));
        *out = *v;
      }
    }
    auto key = std::make_tuple(f.function, f.url, f.line, f.column);
    auto [it, inserted] = frame_ids.emplace(key, static_cast<uint32_t>(p.frames.size()));
    if (inserted) p.frames.push_back(std::move(f));
    ProfileNode node{it->second, parent, 0, 0, 0};
    if (n->contains("selfSize") && (*n)["selfSize"].is_number()) {
      auto size = JsonInteger<uint64_t>((*n)["selfSize"]);
      if (!size) return Status::Error("a profile node's selfSize is not a byte count");
      node.self_size = *size;
    }
    if (n->contains("id") && (*n)["id"].is_number_unsigned()) node.id = (*n)["id"].get<uint32_t>();
    uint32_t index = static_cast<uint32_t>(p.nodes.size());
    p.nodes.push_back(node);
    index_of_id[node.id] = index;
    p.total_size += node.self_size;
    if (n->contains("children") && (*n)["children"].is_array())
      for (const auto& c : (*n)["children"]) stack.push_back({&c, index});
  }
  if (j.contains("samples") && j["samples"].is_array())
    for (const auto& s : j["samples"]) {
      if (!s.is_object() || !s.contains("nodeId")) continue;
      auto node_id = JsonInteger<uint32_t>(s["nodeId"]);
      if (!node_id) return Status::Error("a sample's nodeId is not a node id");
      auto it = index_of_id.find(*node_id);
      if (it == index_of_id.end()) continue;
      ++p.nodes[it->second].samples;
      ++p.total_samples;
    }

  // Sites: self from each node; total from each node's subtree, once per path.
  std::vector<uint64_t> subtree_size(p.nodes.size()), subtree_samples(p.nodes.size());
  for (size_t i = p.nodes.size(); i-- > 0;) {
    subtree_size[i] += p.nodes[i].self_size;
    subtree_samples[i] += p.nodes[i].samples;
    if (p.nodes[i].parent != UINT32_MAX) {
      subtree_size[p.nodes[i].parent] += subtree_size[i];
      subtree_samples[p.nodes[i].parent] += subtree_samples[i];
    }
  }
  std::vector<Site> sites(p.frames.size());
  for (uint32_t f = 0; f < sites.size(); ++f) sites[f].frame = f;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const ProfileNode& n = p.nodes[i];
    sites[n.frame].self_size += n.self_size;
    sites[n.frame].self_samples += n.samples;
    bool repeated = false;  // the same frame above: its total already has this subtree
    for (uint32_t a = n.parent; a != UINT32_MAX && !repeated; a = p.nodes[a].parent) repeated = p.nodes[a].frame == n.frame;
    if (!repeated) {
      sites[n.frame].total_size += subtree_size[i];
      sites[n.frame].total_samples += subtree_samples[i];
    }
  }
  // The "(root)" node is no allocation site.
  const uint32_t root_frame = p.nodes.empty() ? UINT32_MAX : p.nodes[0].frame;
  std::erase_if(sites, [&](const Site& s) {
    return (s.total_size == 0 && s.total_samples == 0) || (s.frame == root_frame && p.frames[s.frame].function == "(root)");
  });
  std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) {
    if (a.self_size != b.self_size) return a.self_size > b.self_size;
    return a.total_size > b.total_size;
  });
  p.sites = std::move(sites);
  return p;
}

}  // namespace

Result<HeapProfile> ReadHeapProfileFile(const std::string& path) {
  auto in = InputFile::Open(path);  // mapped, or inflated when gzip-compressed
  if (!in.ok()) return in.status();
  return ReadHeapProfile(in.value().bytes());
}

}  // namespace oomkit::profile
