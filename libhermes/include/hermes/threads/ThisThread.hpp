#pragma once
// Settings of the calling thread, made once at its top:
//
//   nameThisThread("hist-writer")  the name `top -H`, `ps -L`, perf, gdb and
//       /proc/PID/task/TID/comm show instead of "hermesd", so that each
//       thread's CPU can be told apart (hermes-bench's hub CPU by thread).
//       Linux keeps at most 15 characters; a longer name is cut. A thread
//       never named bears its creator's name (a pool started by the loop
//       would count as "event-loop"): name every thread that may work.
//   scheduleThisThreadAsBatch()  Linux's SCHED_BATCH: the thread keeps its
//       fair share of the CPU, but its wake-ups never preempt a running
//       thread. For the history store's writer and checkpointer: woken for
//       every turn of the event loop, they would otherwise take the core
//       from the fan-out at once; waiting for the next slice instead, they
//       find more work queued and commit it in fewer, larger transactions
//       (docs/PERFORMANCE.md "Batch threads"). On an idle core they run at
//       once, as before.
//
// Threading: each acts on the calling thread only.

#include <pthread.h>
#include <sched.h>

#include <string>
#include <string_view>

namespace hermes::threads {

inline void nameThisThread(std::string_view name) {
    const std::string cut(name.substr(0, 15));
    // Fails only for a name too long, which the cut rules out.
    (void)::pthread_setname_np(::pthread_self(), cut.c_str());
}

// False when the system refuses (then the thread stays as it was, which is
// only slower under load).
inline bool scheduleThisThreadAsBatch() {
    sched_param param{};
    param.sched_priority = 0;  // the only priority SCHED_BATCH takes
    return ::pthread_setschedparam(::pthread_self(), SCHED_BATCH, &param) == 0;
}

}  // namespace hermes::threads
