/* The distributed sweep: the only file that uses MPI. MPI is initialised
 * only here, only when an MPI launcher started us, so a dnncrit built with
 * MPI runs unchanged without mpirun.
 *
 * Scheme: rank 0 opens the output directory (lock, description check,
 * leftovers removed) and finds the pending points; the list is broadcast.
 * Work is handed out by a shared counter in an MPI window on rank 0
 * (MPI_Fetch_and_op): whichever thread of whichever rank is free takes the
 * next point, which balances the load without a scheduler. Every rank
 * writes the points it ran; rank 0 gathers the table once all are done. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli.h"
#include "sweep_driver.h"

static int env_int(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    int n = atoi(v);
    return n > 0 ? n : -1;
}

int sweep_launcher_world_size(void)
{
    int n = env_int("OMPI_COMM_WORLD_SIZE"); /* Open MPI */
    if (!n)
        n = env_int("PMI_SIZE"); /* MPICH / Hydra, Slurm PMI */
    if (!n && getenv("PMIX_RANK"))
        n = -1; /* PMIx without a size variable */
    return n;
}

#ifndef DNNCRIT_HAVE_MPI

bool sweep_mpi_built(void) { return false; }

int sweep_run_mpi(const sweep_args *a)
{
    return cli_failf(a->command, "this dnncrit was built without MPI (DNNCRIT_WITH_MPI=OFF)");
}

#else

#include <mpi.h>

bool sweep_mpi_built(void) { return true; }

typedef struct {
    MPI_Win win;
    size_t ntodo;
} shared_counter;

/* Serialised: MPI_THREAD_SERIALIZED allows one MPI call at a time. */
static bool next_from_counter(void *ctx, size_t *slot)
{
    shared_counter *c = ctx;
    uint64_t one = 1, got = 0;
#pragma omp critical(dnc_sweep_mpi)
    {
        MPI_Fetch_and_op(&one, &got, MPI_UINT64_T, 0, 0, MPI_SUM, c->win);
        MPI_Win_flush(0, c->win);
    }
    *slot = (size_t)got;
    return got < c->ntodo;
}

/* Rank 0 prepares the directory; everyone learns the todo list or that it failed. */
static int share_todo(const dnc_sweep *s, const sweep_args *a, int rank, dnc_sweep_dir *dir,
                      size_t **todo, size_t *ntodo, size_t *kept)
{
    uint64_t head[3] = {1, 0, 0}; /* ok, ntodo, kept */
    if (rank == 0) {
        dnc_status st = dnc_sweep_dir_open(s, a->out_dir, dir);
        if (!st)
            st = dnc_sweep_pending(s, a->out_dir, todo, ntodo, kept);
        if (st)
            cli_fail(a->command);
        head[0] = st == DNC_OK;
        head[1] = *ntodo;
        head[2] = *kept;
    }
    MPI_Bcast(head, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (!head[0])
        return 1;
    *ntodo = (size_t)head[1];
    *kept = (size_t)head[2];
    uint64_t *buf = calloc(*ntodo + 1, sizeof *buf);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (size_t i = 0; rank == 0 && i < *ntodo; i++)
        buf[i] = (*todo)[i];
    MPI_Bcast(buf, (int)*ntodo, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank != 0) {
        *todo = malloc((*ntodo + 1) * sizeof **todo);
        if (!*todo)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (size_t i = 0; i < *ntodo; i++)
            (*todo)[i] = (size_t)buf[i];
    }
    free(buf);
    return 0;
}

static dnc_status run_points(const dnc_sweep *s, const sweep_args *a, int rank, int threads,
                             const size_t *todo, size_t ntodo, dnc_sweep_exec_stats *stats)
{
    shared_counter c = {.ntodo = ntodo};
    uint64_t *base = NULL;
    MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0, sizeof(uint64_t),
                     MPI_INFO_NULL, MPI_COMM_WORLD, &base, &c.win);
    if (rank == 0)
        *base = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(0, c.win);
    dnc_sweep_exec_opts o = {.threads = threads,
                             .point_threads = a->point_threads,
                             .quiet = a->quiet || rank != 0,
                             .next = next_from_counter,
                             .next_ctx = &c,
                             .progress_label = a->progress_label,
                             .rank = rank};
    dnc_status st = dnc_sweep_execute(s, a->out_dir, todo, ntodo, &o, stats);
    MPI_Win_unlock_all(c.win);
    MPI_Win_free(&c.win);
    return st;
}

static int distributed(const dnc_sweep *s, const sweep_args *a, int rank, int ranks, int threads)
{
    sweep_summary sum = {.t0 = dnc_wall_time(), .ranks = ranks, .threads = threads};
    dnc_sweep_dir dir = {.lock_fd = -1};
    size_t *todo = NULL, ntodo = 0;
    if (share_todo(s, a, rank, &dir, &todo, &ntodo, &sum.kept)) {
        free(todo);
        return 1;
    }
    dnc_sweep_exec_stats stats = {0};
    dnc_status st = run_points(s, a, rank, threads, todo, ntodo, &stats);
    free(todo);
    if (st)
        cli_failf(a->command, "rank %d: %s", rank, dnc_last_error());
    int ok = st == DNC_OK, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    unsigned long long mine = stats.computed, total = 0;
    double secs = 0;
    MPI_Reduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&stats.point_seconds, &secs, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    int rc = all_ok ? 0 : 1;
    if (rank == 0 && all_ok) {
        sum.computed = (size_t)total;
        sum.point_seconds = secs;
        rc = a->finish(s, a, &sum);
    }
    dnc_sweep_dir_close(&dir);
    return rc;
}

int sweep_run_mpi(const sweep_args *a)
{
    int provided = 0, rank = 0, ranks = 1;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
        return cli_failf(a->command, "MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    int threads = a->threads > 0 ? a->threads : omp_get_max_threads();
    if (provided < MPI_THREAD_SERIALIZED)
        threads = 1; /* the MPI library cannot take calls from several threads */
    dnc_sweep s;
    int ok = a->load(a, &s) == DNC_OK, all_ok = 0;
    if (!ok && rank == 0)
        cli_fail(a->command);
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (ok && !all_ok && rank != 0)
        fprintf(stderr, "dnncrit %s: error: another rank could not read '%s'\n", a->command,
                a->spec_path ? a->spec_path : "the sweep");
    int rc = all_ok ? distributed(&s, a, rank, ranks, threads) : 1;
    if (ok)
        dnc_sweep_free(&s);
    MPI_Finalize();
    return rc;
}

#endif
