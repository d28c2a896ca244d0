// The fork-join pool of pool.h. A job is offered by storing its generation number into each
// helper's `go`. A helper that wakes up claims the offer (compare-and-swap to CLAIMED), runs tasks
// until none are left and stores the generation into `done`. The caller runs tasks too; when none
// are left it withdraws every offer not yet claimed (compare-and-swap to CANCELLED) and waits only
// for the helpers that claimed one. So a helper that the OS has not scheduled yet (a busy machine)
// never holds the caller up, only the participants touch the job, and the caller returns after
// every participant is done with it, so the next job can reuse the same slot.
#include "pool.h"

#include <chrono>

namespace tessera {

namespace {

thread_local bool in_pool_job = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// How long an idle worker spins before it sleeps: long enough to bridge the gap between two
// kernels of one op sequence, short enough not to burn a shared core.
constexpr auto kSpin = std::chrono::microseconds(200);
constexpr int kMaxThreads = 256;

}  // namespace

Pool& Pool::instance() {
  // Never destroyed: workers are joined by shutdown() from the addon's cleanup hook.
  static Pool* pool = new Pool();
  return *pool;
}

void Pool::drain(Job* job) {
  for (;;) {
    const long task = job->next.fetch_add(1, std::memory_order_relaxed);
    if (task >= job->tasks) return;
    job->fn(job->context, task);
  }
}

void Pool::reserve(int threads) {
  std::lock_guard<std::mutex> lock(workers_mutex_);
  const int wanted = std::min(threads, kMaxThreads) - 1;
  while ((int)workers_.size() < wanted) {
    Worker* worker = new Worker();
    worker->thread = std::thread([this, worker] { loop(worker); });
    workers_.push_back(worker);
  }
}

void Pool::run(int threads, long tasks, void (*fn)(void*, long), void* context) {
  if (in_pool_job || threads <= 1 || tasks <= 1) {
    for (long t = 0; t < tasks; t++) fn(context, t);
    return;
  }
  std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
  if (!busy.owns_lock()) {
    for (long t = 0; t < tasks; t++) fn(context, t);
    return;
  }
  reserve(threads);
  const int helpers = (int)std::min<long>(std::min<long>(threads - 1, (long)workers_.size()), tasks - 1);
  job_.fn = fn;
  job_.context = context;
  job_.tasks = tasks;
  job_.next.store(0, std::memory_order_relaxed);
  generation_ = (generation_ + 1) & GENERATION;
  if (generation_ == 0) generation_ = 1;  // 0 means "nothing posted yet"
  const unsigned generation = generation_;
  for (int i = 0; i < helpers; i++) {
    Worker* worker = workers_[i];
    worker->go.store(generation, std::memory_order_seq_cst);
    if (worker->sleeping.load(std::memory_order_seq_cst)) {
      std::lock_guard<std::mutex> lock(worker->mutex);
      worker->wake.notify_one();
    }
  }
  in_pool_job = true;
  drain(&job_);
  in_pool_job = false;
  for (int i = 0; i < helpers; i++) {
    unsigned offered = generation;
    if (workers_[i]->go.compare_exchange_strong(offered, generation | CANCELLED, std::memory_order_acq_rel)) continue;
    while (workers_[i]->done.load(std::memory_order_acquire) != generation) cpu_relax();
  }
}

void Pool::loop(Worker* self) {
  in_pool_job = true;
  // Generations start at 1: a job posted before this thread got going is still seen as new.
  unsigned seen = 0;
  auto fresh = [&] { return (self->go.load(std::memory_order_acquire) & GENERATION) != seen; };
  for (;;) {
    const auto start = std::chrono::steady_clock::now();
    for (unsigned spins = 1; !fresh() && !stop_.load(std::memory_order_relaxed); spins++) {
      cpu_relax();
      if ((spins & 255) == 0 && std::chrono::steady_clock::now() - start > kSpin) break;
    }
    if (!fresh() && !stop_.load()) {
      std::unique_lock<std::mutex> lock(self->mutex);
      self->sleeping.store(1, std::memory_order_seq_cst);
      while (!fresh() && !stop_.load()) self->wake.wait(lock);
      self->sleeping.store(0, std::memory_order_relaxed);
    }
    if (stop_.load()) return;
    unsigned offer = self->go.load(std::memory_order_acquire);
    seen = offer & GENERATION;
    if (offer & CANCELLED) continue;
    if (!self->go.compare_exchange_strong(offer, seen | CLAIMED, std::memory_order_acq_rel)) continue;  // withdrawn meanwhile
    drain(&job_);
    self->done.store(seen, std::memory_order_release);
  }
}

void Pool::shutdown() {
  std::lock_guard<std::mutex> busy(busy_);
  std::lock_guard<std::mutex> lock(workers_mutex_);
  stop_.store(true);
  for (Worker* worker : workers_) {
    {
      std::lock_guard<std::mutex> wake(worker->mutex);
      worker->wake.notify_one();
    }
    worker->thread.join();
    delete worker;
  }
  workers_.clear();
  stop_.store(false);
}

}  // namespace tessera
