#include "fp_err.h"

const char *fp_strerror(int code)
{
    switch (code) {
    case FP_OK: return "ok";
    case FP_EINVAL: return "invalid input";
    case FP_ENOMEM: return "out of memory";
    case FP_EIO: return "I/O error";
    case FP_EPROTO: return "malformed record";
    case FP_EVERSION: return "unknown record version";
    case FP_ERANGE: return "value out of range";
    case FP_ENOTFOUND: return "not found";
    case FP_EBUSY: return "already in use";
    case FP_ECANCELED: return "canceled";
    default: return "unknown error";
    }
}
