#pragma once
// The default number of worker threads: SLURM_CPUS_PER_TASK when set (a job gets the cores it
// asked for, not the node's), else all hardware threads.
namespace at {

int default_thread_count();

}  // namespace at
