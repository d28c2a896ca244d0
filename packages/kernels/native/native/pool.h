// A persistent fork-join thread pool (pthreads through std::thread).
//
// parallel_for(threads, tasks, f) runs f(task) for every task in [0, tasks) on the calling thread
// plus up to threads - 1 workers, handing out tasks dynamically, and returns when all are done.
// Workers spin briefly after a job (consecutive kernels start without a wake-up), then sleep on a
// condition variable. They are plain native threads: they never keep Node's event loop alive, and
// the addon's environment cleanup hook stops and joins them before the process exits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace tessera {

class Pool {
 public:
  static Pool& instance();

  // Run fn(context, task) for task in [0, tasks). Nested or concurrent calls (another JS thread
  // using the addon) run serially on the caller.
  void run(int threads, long tasks, void (*fn)(void*, long), void* context);
  // Start workers so that `threads` threads (the caller included) can run; never shrinks.
  void reserve(int threads);
  // Stop and join every worker (the addon's cleanup hook). A later run starts them again.
  void shutdown();
  int workers() const { return (int)workers_.size(); }

 private:
  struct Job {
    void (*fn)(void*, long);
    void* context;
    long tasks;
    std::atomic<long> next;
  };
  // A worker's `go` holds the generation of the job posted to it, plus CLAIMED once the worker has
  // taken it on, or CANCELLED when the caller finished every task first and withdrew the offer.
  static constexpr unsigned CLAIMED = 1u << 31;
  static constexpr unsigned CANCELLED = 1u << 30;
  static constexpr unsigned GENERATION = CANCELLED - 1;
  struct Worker {
    std::thread thread;
    std::atomic<unsigned> go{0};    // posted generation | CLAIMED | CANCELLED
    std::atomic<unsigned> done{0};  // last generation finished
    std::atomic<int> sleeping{0};
    std::mutex mutex;
    std::condition_variable wake;
  };
  void loop(Worker* self);
  static void drain(Job* job);

  std::mutex busy_;     // one job at a time
  std::mutex workers_mutex_;
  std::vector<Worker*> workers_;
  std::atomic<bool> stop_{false};
  Job job_{};
  unsigned generation_ = 0;
};

// Convenience wrapper: parallel_for(threads, tasks, [&](long task) { ... }).
template <class F>
inline void parallel_for(int threads, long tasks, F&& f) {
  if (tasks <= 0) return;
  if (threads <= 1 || tasks == 1) {
    for (long t = 0; t < tasks; t++) f(t);
    return;
  }
  using Fn = typename std::remove_reference<F>::type;
  Pool::instance().run(threads, tasks, [](void* context, long task) { (*static_cast<Fn*>(context))(task); }, (void*)&f);
}

}  // namespace tessera
