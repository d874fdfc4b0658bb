/* Running a study's claims and writing claims.csv, reproduce.json and
 * report.html (dnncrit/reproduce.h). */
#include "dnncrit/reproduce.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/sweep.h"
#include "app/report_html.h"

/* ------------------------------------------------------------ staging */

static dnc_status empty_stage(const char *stage, const char *into);

/* Working folders of earlier runs that were killed (their process is gone):
 * removed, so that an interrupted run leaves nothing behind for long. */
static void remove_stale_stages(const char *out_dir)
{
    DIR *d = opendir(out_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        char rest;
        if (sscanf(e->d_name, ".reproduce.tmp.%ld%c", &pid, &rest) != 1 || pid <= 0 ||
            pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *stage = dnc_sweep_path(out_dir, e->d_name);
        if (stage)
            empty_stage(stage, NULL);
        free(stage);
    }
    closedir(d);
}

/* The claims' private folder inside out_dir. */
static dnc_status make_stage(const char *out_dir, char **stage)
{
    char name[64];
    snprintf(name, sizeof name, ".reproduce.tmp.%ld", (long)getpid());
    *stage = dnc_sweep_path(out_dir, name);
    if (!*stage)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    if (mkdir(*stage, 0777) != 0) {
        dnc_status st = dnc_fail(DNC_EIO, "cannot create the working folder '%s'", *stage);
        free(*stage);
        *stage = NULL;
        return st;
    }
    return DNC_OK;
}

/* Removes path: a file, or a folder with everything in it (links are
 * removed, not followed). Best effort: what cannot be removed stays. */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *child = dnc_sweep_path(path, e->d_name);
            if (child)
                remove_tree(child);
            free(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Moves into `into` a file or folder of the stage; an earlier run's folder of
 * the same name is replaced (rename replaces files, but not a folder that
 * is not empty). */
static int move_replacing(const char *from, const char *to)
{
    struct stat sf, st;
    if (stat(from, &sf) == 0 && S_ISDIR(sf.st_mode) && lstat(to, &st) == 0 &&
        S_ISDIR(st.st_mode))
        remove_tree(to);
    return rename(from, to);
}

/* Moves (into != NULL) or deletes every file and folder of the stage, then
 * removes it. */
static dnc_status empty_stage(const char *stage, const char *into)
{
    DIR *d = opendir(stage);
    if (!d)
        return dnc_fail(DNC_EIO, "cannot open the working folder '%s'", stage);
    dnc_status st = DNC_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *from = dnc_sweep_path(stage, e->d_name);
        char *to = into ? dnc_sweep_path(into, e->d_name) : NULL;
        if (!from || (into && !to))
            st = st ? st : dnc_fail(DNC_ENOMEM, "out of memory");
        else if (to && !st && move_replacing(from, to) != 0)
            st = dnc_fail(DNC_EIO, "cannot move '%s' to '%s'", from, to);
        if (from && (!to || st))
            remove_tree(from);
        free(from);
        free(to);
    }
    closedir(d);
    rmdir(stage);
    return st;
}

/* ------------------------------------------------------------ reproduce.json */

static cJSON *claim_json(const dnc_claim *c, double seconds)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "claim", c->claim);
    cJSON_AddStringToObject(j, "paper", c->paper);
    cJSON_AddItemToObject(j, "paper_value", dnc_json_exact_number(c->paper_value));
    cJSON_AddItemToObject(j, "measured", dnc_json_estimate(c->measured, c->error));
    cJSON_AddStringToObject(j, "verdict", dnc_verdict_name(c->verdict));
    cJSON_AddStringToObject(j, "rule", c->rule);
    cJSON_AddStringToObject(j, "detail", c->detail);
    cJSON_AddStringToObject(j, "command", c->command);
    cJSON_AddStringToObject(j, "figure", c->figure);
    cJSON_AddStringToObject(j, "note", c->note);
    cJSON_AddNumberToObject(j, "seconds", seconds);
    return j;
}

static dnc_status write_record(const char *path, const dnc_study *study,
                               const dnc_reproduce_opts *o, const dnc_reproduce_result *r,
                               int argc, char **argv, double t0)
{
    cJSON *rec = dnc_run_record_new("reproduce", argc, argv);
    if (!rec)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    cJSON *cfg = cJSON_AddObjectToObject(rec, "config");
    cJSON_AddStringToObject(cfg, "study", study->name);
    cJSON_AddStringToObject(cfg, "paper", study->paper);
    cJSON_AddBoolToObject(cfg, "quick", o->quick);
    cJSON_AddNumberToObject(cfg, "seed", (double)o->seed);
    cJSON_AddNumberToObject(cfg, "threads", o->threads);
    cJSON_AddBoolToObject(cfg, "figures", r->figures);
    cJSON_AddNumberToObject(rec, "seed", (double)o->seed);
    cJSON *claims = cJSON_AddArrayToObject(rec, "claims");
    size_t count[3] = {0};
    for (size_t i = 0; i < r->n; i++) {
        cJSON_AddItemToArray(claims, claim_json(&r->claims[i], r->seconds[i]));
        count[r->claims[i].verdict]++;
    }
    cJSON *res = cJSON_AddObjectToObject(rec, "results");
    cJSON_AddNumberToObject(res, "supported", (double)count[DNC_VERDICT_SUPPORTED]);
    cJSON_AddNumberToObject(res, "not_supported", (double)count[DNC_VERDICT_NOT_SUPPORTED]);
    cJSON_AddNumberToObject(res, "inconclusive", (double)count[DNC_VERDICT_INCONCLUSIVE]);
    cJSON *outs = cJSON_AddObjectToObject(rec, "outputs");
    cJSON_AddStringToObject(outs, "claims", "claims.csv");
    cJSON_AddStringToObject(outs, "report", "report.html");
    dnc_run_record_finish(rec, t0);
    cJSON *per = cJSON_CreateObject();
    for (size_t i = 0; i < r->n; i++)
        cJSON_AddNumberToObject(per, r->claims[i].claim, r->seconds[i]);
    cJSON *tim = cJSON_GetObjectItemCaseSensitive(rec, "timings");
    if (tim)
        cJSON_AddItemToObject(tim, "claims_s", per);
    else
        cJSON_Delete(per);
    dnc_status st = dnc_write_json_atomic(path, rec);
    cJSON_Delete(rec);
    return st;
}

/* ------------------------------------------------------------ report.html */

static const char report_css[] =
    "tr.supported td.verdict,span.supported{background:#cdebc9}\n"
    "tr.not-supported td.verdict,span.not-supported{background:#f4c7c3}\n"
    "tr.inconclusive td.verdict,span.inconclusive{background:#f7e7b0}\n"
    "span.supported,span.not-supported,span.inconclusive{padding:0 .4em}\n"
    "pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}\n";

static const char *verdict_class(dnc_verdict v)
{
    return v == DNC_VERDICT_SUPPORTED       ? "supported"
           : v == DNC_VERDICT_NOT_SUPPORTED ? "not-supported"
                                            : "inconclusive";
}

static void measured_text(FILE *fp, const dnc_claim *c)
{
    dnc_html_number(fp, c->measured);
    fputs(" ± ", fp);
    dnc_html_number(fp, c->error);
}

static void report_claim(FILE *fp, const dnc_claim *c, size_t i, double seconds, const char *stage)
{
    fprintf(fp, "<h2 id=\"c%zu\">%zu. ", i, i + 1);
    dnc_html_text(fp, c->claim);
    fprintf(fp, " <span class=\"%s\">%s</span></h2>\n<table class=\"kv\">\n<tr><th>paper</th><td>",
            verdict_class(c->verdict), dnc_verdict_name(c->verdict));
    dnc_html_text(fp, c->paper);
    fputs("</td></tr>\n<tr><th>paper's value</th><td>", fp);
    dnc_html_number(fp, c->paper_value);
    fputs("</td></tr>\n<tr><th>measured</th><td>", fp);
    measured_text(fp, c);
    fputs("</td></tr>\n<tr><th>rule</th><td>", fp);
    dnc_html_text(fp, c->rule);
    fputs("</td></tr>\n<tr><th>detail</th><td>", fp);
    dnc_html_text(fp, c->detail);
    fprintf(fp, "</td></tr>\n<tr><th>wall time</th><td>%.1f s</td></tr>\n</table>\n", seconds);
    fputs("<p>command:</p><pre>", fp);
    dnc_html_text(fp, c->command);
    fputs("</pre>\n", fp);
    bool shown = false;
    if (c->figure[0]) {
        char *path = dnc_sweep_path(stage, c->figure);
        shown = path && dnc_html_embed_png(fp, path, c->figure);
        free(path);
        if (shown) {
            fputs("<p>figure: <code>", fp);
            dnc_html_text(fp, c->figure);
            fputs("</code></p>\n", fp);
        }
    }
    if (c->note[0] || (c->figure[0] && !shown)) {
        fputs("<p class=\"warn\">", fp);
        dnc_html_text(fp, c->note[0] ? c->note : "the figure could not be read back");
        fputs("</p>\n", fp);
    }
}

static dnc_status write_report(const char *path, const char *stage, const dnc_study *study,
                               const dnc_reproduce_opts *o, const dnc_reproduce_result *r)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    FILE *fp = f.fp;
    dnc_html_head(fp, "dnncrit reproduce", study->name, report_css);
    fputs("<p>", fp);
    dnc_html_text(fp, study->paper);
    fprintf(fp, ". %s run (seed %llu, %d threads), %zu claims in %.0f s.</p>\n",
            o->quick ? "Quick (reduced sizes)" : "Full", (unsigned long long)o->seed, o->threads,
            r->n, r->wall_s);
    if (!r->figures)
        fputs("<p class=\"warn\">gnuplot is not available: no figures, tables only.</p>\n", fp);
    fputs("<p>Verdict rule (the same for every claim): with m ± e the measurement, p the "
          "paper's value and alt the nearest competing hypothesis, <b>not supported</b> when "
          "|m − p| &gt; 3e; <b>supported</b> when |m − p| ≤ 2e and (no alt, or |m − alt| &gt; "
          "2e); <b>inconclusive</b> otherwise, and when no finite measurement with a positive "
          "error exists.</p>\n", fp);
    fputs("<table class=\"summary\"><tr><th>claim</th><th>paper</th><th>measured</th>"
          "<th>verdict</th><th>rule</th></tr>\n", fp);
    for (size_t i = 0; i < r->n; i++) {
        const dnc_claim *c = &r->claims[i];
        fprintf(fp, "<tr class=\"%s\"><td><a href=\"#c%zu\">", verdict_class(c->verdict), i);
        dnc_html_text(fp, c->claim);
        fputs("</a></td><td>", fp);
        dnc_html_text(fp, c->paper);
        fputs("</td><td>", fp);
        measured_text(fp, c);
        fprintf(fp, "</td><td class=\"verdict\">%s</td><td>", dnc_verdict_name(c->verdict));
        dnc_html_text(fp, c->rule);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
    for (size_t i = 0; i < r->n; i++)
        report_claim(fp, &r->claims[i], i, r->seconds[i], stage);
    fputs("<p>Outputs: claims.csv, reproduce.json (run record), this page.</p>\n</body></html>\n",
          fp);
    return dnc_afile_commit(&f);
}

/* ------------------------------------------------------------ the run */

void dnc_reproduce_result_free(dnc_reproduce_result *res)
{
    if (!res)
        return;
    free(res->claims);
    free(res->seconds);
    memset(res, 0, sizeof *res);
}

/* ------------------------------------------------ shared measurements */

struct dnc_reproduce_memo {
    struct dnc_reproduce_memo *next;
    char *key;
    size_t size;
    max_align_t data[]; /* size bytes */
};

void *dnc_reproduce_shared(const dnc_reproduce_opts *o, const char *key, size_t size)
{
    if (!o || !o->memo || !key)
        return NULL;
    struct dnc_reproduce_memo *head = o->memo; /* a sentinel: its next is the first entry */
    for (struct dnc_reproduce_memo *m = head->next; m; m = m->next)
        if (strcmp(m->key, key) == 0)
            return m->size == size ? m->data : NULL;
    struct dnc_reproduce_memo *m = calloc(1, sizeof *m + size);
    char *k = m ? malloc(strlen(key) + 1) : NULL;
    if (!k) {
        free(m);
        return NULL;
    }
    m->key = strcpy(k, key);
    m->size = size;
    m->next = head->next;
    head->next = m;
    return m->data;
}

static void memo_free(struct dnc_reproduce_memo *head)
{
    for (struct dnc_reproduce_memo *m = head->next, *next; m; m = next) {
        next = m->next;
        free(m->key);
        free(m);
    }
    head->next = NULL;
}

static dnc_status run_claims(const dnc_study *study, const dnc_reproduce_opts *o,
                             dnc_reproduce_progress_fn progress, void *ctx,
                             dnc_reproduce_result *r)
{
    for (size_t i = 0; i < study->nclaims; i++) {
        const dnc_study_claim *sc = &study->claims[i];
        dnc_claim *c = &r->claims[i];
        memset(c, 0, sizeof *c);
        snprintf(c->claim, sizeof c->claim, "%s", sc->name);
        c->paper_value = c->measured = c->error = NAN;
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
        if (progress)
            progress(ctx, i, study->nclaims, sc->name, NULL, 0.0);
        double t = dnc_wall_time();
        dnc_status st = sc->fn(o, c);
        r->seconds[i] = dnc_wall_time() - t;
        if (st)
            return dnc_fail(st, "claim '%s' of %s: %s", sc->name, study->name, dnc_last_error());
        snprintf(c->claim, sizeof c->claim, "%s", sc->name); /* the registry's name */
        if (progress)
            progress(ctx, i, study->nclaims, sc->name, c, r->seconds[i]);
    }
    return DNC_OK;
}

dnc_status dnc_reproduce_run(const dnc_study *study, const dnc_reproduce_opts *opts,
                             dnc_reproduce_progress_fn progress, void *progress_ctx, int argc,
                             char **argv, dnc_reproduce_result *res)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (!study || !opts || !opts->out_dir || !*opts->out_dir)
        return dnc_fail(DNC_EINVAL, "reproduce: needs a study and an output folder");
    double t0 = dnc_wall_time();
    dnc_status st = dnc_make_dirs(opts->out_dir);
    char *stage = NULL;
    if (!st) {
        remove_stale_stages(opts->out_dir);
        st = make_stage(opts->out_dir, &stage);
    }
    if (st)
        return st;
    dnc_reproduce_result r = {0};
    r.n = study->nclaims;
    r.claims = calloc(r.n ? r.n : 1, sizeof *r.claims);
    r.seconds = calloc(r.n ? r.n : 1, sizeof *r.seconds);
    r.figures = dnc_plot_available();
    if (!r.claims || !r.seconds)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    struct dnc_reproduce_memo memo = {0};
    dnc_reproduce_opts o = *opts;
    o.out_dir = stage;
    o.memo = &memo;
    if (!st)
        st = run_claims(study, &o, progress, progress_ctx, &r);
    memo_free(&memo);
    char *csv = dnc_sweep_path(stage, "claims.csv");
    char *json = dnc_sweep_path(stage, "reproduce.json");
    char *html = dnc_sweep_path(stage, "report.html");
    if (!st && (!csv || !json || !html))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_claims_write_csv(csv, r.claims, r.n);
    r.wall_s = dnc_wall_time() - t0;
    if (!st)
        st = write_record(json, study, opts, &r, argc, argv, t0);
    if (!st)
        st = write_report(html, stage, study, opts, &r);
    if (st) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", dnc_last_error());
        empty_stage(stage, NULL);
        st = dnc_fail(st, "%s (nothing written to '%s')", msg, opts->out_dir);
    } else {
        st = empty_stage(stage, opts->out_dir);
    }
    free(csv);
    free(json);
    free(html);
    free(stage);
    if (!st && res)
        *res = r;
    else
        dnc_reproduce_result_free(&r);
    return st;
}
