/* Device selection: the names of the devices, whether one can run here,
 * and, in a build without the CUDA backend, the answers that say so. */
#include "dnncrit/device.h"

#include <string.h>

#include "engines/engine.h"

const char *dnc_device_name(dnc_device_kind d)
{
    return d == DNC_DEVICE_CUDA ? "cuda" : "cpu";
}

dnc_status dnc_device_parse(const char *s, dnc_device_kind *out)
{
    if (strcmp(s, "cpu") == 0)
        *out = DNC_DEVICE_CPU;
    else if (strcmp(s, "cuda") == 0)
        *out = DNC_DEVICE_CUDA;
    else
        return dnc_fail(DNC_EINVAL, "device must be 'cpu' or 'cuda', got '%s'", s);
    return DNC_OK;
}

dnc_status dnc_device_available(dnc_device_kind d)
{
    char gpu[160];
    return d == DNC_DEVICE_CUDA ? dnc_cuda_describe(gpu, sizeof gpu) : DNC_OK;
}

#ifndef DNNCRIT_HAVE_CUDA
bool dnc_cuda_built(void)
{
    return false;
}

static dnc_status not_built(void)
{
    return dnc_fail(DNC_EUNSUPPORTED, "--device cuda: this dnncrit was built without the CUDA "
                                      "backend (configure with -DDNNCRIT_WITH_CUDA=ON, needs nvcc)");
}

dnc_status dnc_cuda_describe(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    return not_built();
}

dnc_status dnc_cuda_engine_open(dnc_engine_ops *ops, const dnc_propagate_opts *o)
{
    (void)o;
    memset(ops, 0, sizeof *ops);
    return not_built();
}
#endif
