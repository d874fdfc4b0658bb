/* Avalanches: spike times of NWB recordings (HDF5). See avalanche.h.
 *
 * NWB 2.x keeps sorted spikes in the Units table (/units) as a ragged
 * array: /units/spike_times holds every unit's spike times one unit after
 * the other, /units/spike_times_index[i] is the end (exclusive) of unit i's
 * run. HDF5's own error printing is switched off while we read, so that
 * the library never prints; its failures come back as dnc_fail messages.
 *
 * HDF5 is not linked: it is loaded here, by its SONAME (DNC_HDF5_SONAME,
 * read off the build's libhdf5 by CMake), the first time an NWB file is
 * read. Mapping it and what it needs (curl, GnuTLS, Kerberos, LDAP) cost
 * every dnncrit start about 8 ms, whichever command ran. */
#include "dnncrit/avalanche.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "dnncrit/io.h"

#ifndef DNC_HDF5_SONAME
#error "DNC_HDF5_SONAME (the HDF5 library to load) is set by CMakeLists.txt"
#endif

#if H5_VERSION_GE(1, 12, 0)
#define NWB_IS_HDF5 H5Fis_accessible
#else
#define NWB_IS_HDF5 H5Fis_hdf5
#endif
/* H5F_ACC_RDONLY without the H5check()/H5open() calls its macro makes */
#define NWB_ACC_RDONLY 0x0000u

/* The HDF5 functions this reader calls, typed as hdf5.h declares them. */
#define H5_FUNCTIONS(X)                                                                    \
    X(H5open) X(H5Eget_auto2) X(H5Eset_auto2) X(H5Fopen) X(H5Fclose) X(H5Lexists)         \
        X(H5Dopen2) X(H5Dget_space) X(H5Dget_type) X(H5Dread) X(H5Dclose) X(H5Tget_class) \
            X(H5Tclose) X(H5Sget_simple_extent_ndims) X(H5Sget_simple_extent_dims)        \
                X(H5Sclose) X(NWB_IS_HDF5)
#define H5_FIELD(name) __typeof__(name) *name;
#define H5_STR(x) #x
#define H5_NAME(x) H5_STR(x) /* the name after macro expansion (NWB_IS_HDF5) */

static struct {
    H5_FUNCTIONS(H5_FIELD)
    hid_t native_double; /* H5T_NATIVE_DOUBLE: a variable in the library */
    char error[512];     /* why loading failed; empty once loaded */
} h5;

static void h5_load(void)
{
    void *lib = dlopen(DNC_HDF5_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(h5.error, sizeof h5.error, "cannot load %s: %s", DNC_HDF5_SONAME, dlerror());
        return;
    }
    void *sym;
    /* memcpy: ISO C has no conversion from dlsym's object pointer to a
     * function pointer (POSIX guarantees the representation) */
#define H5_RESOLVE(name)                                                                    \
    if (!(sym = dlsym(lib, H5_NAME(name)))) {                                               \
        snprintf(h5.error, sizeof h5.error, "%s lacks %s", DNC_HDF5_SONAME, H5_NAME(name)); \
        return;                                                                             \
    }                                                                                       \
    memcpy(&h5.name, &sym, sizeof h5.name);
    H5_FUNCTIONS(H5_RESOLVE)
#undef H5_RESOLVE
    /* A program that links HDF5 itself (the tests) may hold the variable as
     * a copy relocation, which the library then updates instead of its own:
     * the program's global scope is asked first. */
    void *self = dlopen(NULL, RTLD_NOW);
    const hid_t *native_double = self ? dlsym(self, "H5T_NATIVE_DOUBLE_g") : NULL;
    if (!native_double)
        native_double = dlsym(lib, "H5T_NATIVE_DOUBLE_g");
    if (!native_double || h5.H5open() < 0) {
        snprintf(h5.error, sizeof h5.error, "%s: cannot initialise HDF5", DNC_HDF5_SONAME);
        return;
    }
    h5.native_double = *native_double; /* set by H5open */
    h5.error[0] = '\0';
}

/* HDF5, loaded once per process (the handle stays open). */
static dnc_status h5_ready(const char *path)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, h5_load);
    if (h5.error[0])
        return dnc_fail(DNC_EIO, "%s: reading NWB needs the HDF5 library (Debian libhdf5-dev): %s",
                        path, h5.error);
    return DNC_OK;
}

/* A ragged array longer than this is refused before allocating (1e9
 * spikes: 8 GB of times). */
#define MAX_SPIKES 1000000000ULL

typedef struct {
    H5E_auto2_t func;
    void *data;
} h5_quiet;

static void quiet_on(h5_quiet *q)
{
    h5.H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    h5.H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_off(const h5_quiet *q) { h5.H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

/* Reads the 1-D dataset `name` of file f as doubles (want_int: the dataset
 * must hold integers) into *out[*n]. */
static dnc_status read_1d(hid_t f, const char *path, const char *name, bool want_int,
                          double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (h5.H5Lexists(f, "units", H5P_DEFAULT) <= 0)
        return dnc_fail(DNC_EINVAL, "%s: no /units table: not an NWB file with sorted units",
                        path);
    if (h5.H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return dnc_fail(DNC_EINVAL, "%s: no /%s dataset (NWB units need spike_times and "
                                    "spike_times_index)", path, name);
    hid_t d = h5.H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return dnc_fail(DNC_EINVAL, "%s: /%s is not a dataset", path, name);
    hid_t sp = h5.H5Dget_space(d), ty = h5.H5Dget_type(d);
    dnc_status st = DNC_OK;
    hsize_t dim = 0;
    H5T_class_t cls = ty >= 0 ? h5.H5Tget_class(ty) : H5T_NO_CLASS;
    if (sp < 0 || ty < 0)
        st = dnc_fail(DNC_EINVAL, "%s: /%s: unreadable dataspace or type", path, name);
    else if (h5.H5Sget_simple_extent_ndims(sp) != 1)
        st = dnc_fail(DNC_EINVAL, "%s: /%s must be 1-D, has %d dimensions", path, name,
                      h5.H5Sget_simple_extent_ndims(sp));
    else if (want_int ? cls != H5T_INTEGER : cls != H5T_FLOAT && cls != H5T_INTEGER)
        st = dnc_fail(DNC_EINVAL, "%s: /%s must hold %s", path, name,
                      want_int ? "integers" : "numbers");
    else if (h5.H5Sget_simple_extent_dims(sp, &dim, NULL) != 1 || dim > MAX_SPIKES)
        st = dnc_fail(DNC_EINVAL, "%s: /%s: bad length (more than %llu entries?)", path, name,
                      MAX_SPIKES);
    if (!st) {
        *out = malloc((dim ? (size_t)dim : 1) * sizeof **out);
        if (!*out)
            st = dnc_fail(DNC_ENOMEM, "%s: out of memory for %llu values of /%s", path,
                          (unsigned long long)dim, name);
        else if (dim && h5.H5Dread(d, h5.native_double, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0)
            st = dnc_fail(DNC_EINVAL, "%s: /%s could not be read (damaged file?)", path, name);
        *n = (size_t)dim;
    }
    if (ty >= 0)
        h5.H5Tclose(ty);
    if (sp >= 0)
        h5.H5Sclose(sp);
    h5.H5Dclose(d);
    if (st) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

/* The unit of every spike from the ragged index: unit[j] = i for j in
 * [index[i-1], index[i]). */
static dnc_status units_of_spikes(const double *index, size_t nunits, size_t nspikes,
                                  const char *path, double *unit)
{
    size_t start = 0;
    for (size_t i = 0; i < nunits; i++) {
        double e = index[i];
        if (!(e >= (double)start) || e > (double)nspikes)
            return dnc_fail(DNC_EINVAL,
                            "%s: /units/spike_times_index[%zu] = %g: the index must be "
                            "non-decreasing ends within the %zu spike times",
                            path, i, e, nspikes);
        for (size_t j = start; j < (size_t)e; j++)
            unit[j] = (double)i;
        start = (size_t)e;
    }
    if (start != nspikes)
        return dnc_fail(DNC_EINVAL,
                        "%s: /units/spike_times_index ends at %zu but spike_times has %zu entries",
                        path, start, nspikes);
    return DNC_OK;
}

dnc_status dnc_activity_read_nwb(const char *path, double dt, dnc_activity *a, double *dt_used)
{
    memset(a, 0, sizeof *a);
    dnc_status ready = h5_ready(path);
    if (ready)
        return ready;
    h5_quiet q;
    quiet_on(&q);
    dnc_status st = DNC_OK;
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_hdf5 = h5.NWB_IS_HDF5(path, H5P_DEFAULT);
#else
    htri_t is_hdf5 = h5.NWB_IS_HDF5(path);
#endif
    if (is_hdf5 <= 0) {
        FILE *fp;
        st = dnc_open_input(path, &fp); /* names a missing file or a directory */
        if (!st) {
            fclose(fp);
            st = dnc_fail(DNC_EINVAL, "%s: not an HDF5 (NWB) file", path);
        }
        quiet_off(&q);
        return st;
    }
    hid_t f = h5.H5Fopen(path, NWB_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        quiet_off(&q);
        return dnc_fail(DNC_EINVAL, "%s: HDF5 file could not be opened (damaged?)", path);
    }
    double *times = NULL, *index = NULL, *unit = NULL;
    size_t nspikes = 0, nunits = 0;
    st = read_1d(f, path, "units/spike_times", false, &times, &nspikes);
    if (!st)
        st = read_1d(f, path, "units/spike_times_index", true, &index, &nunits);
    h5.H5Fclose(f);
    quiet_off(&q);
    if (!st && nunits == 0)
        st = dnc_fail(DNC_EINVAL, "%s: the units table has no units", path);
    if (!st && !(unit = malloc((nspikes ? nspikes : 1) * sizeof *unit)))
        st = dnc_fail(DNC_ENOMEM, "out of memory for %zu spikes", nspikes);
    if (!st)
        st = units_of_spikes(index, nunits, nspikes, path, unit);
    if (!st)
        st = dnc_activity_from_events(times, unit, nspikes, nunits, dt, path, a, dt_used);
    free(times);
    free(index);
    free(unit);
    return st;
}
