// Detachedness propagation, as DevTools does it before anything else: embedder
// (native) nodes reachable from an attached native node are attached; those
// reachable only from detached ones are detached and renamed "Detached <name>".
// The state never crosses JavaScript objects. Node >= 19 marks weak or
// detached BaseObjects as detached, so this renames real Node classes too.
#pragma once

#include "heap/snapshot.h"

namespace oomkit::heap {

// Rewrites snapshot->node_detachedness and, for detached native nodes,
// snapshot->node_name. Files without a detachedness field are left alone
// but for native nodes already named "Detached ...", which count as detached.
void PropagateDetachedness(Snapshot* snapshot);

}  // namespace oomkit::heap
