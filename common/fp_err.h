/* fp_err: the error codes every fupin function returns (0 is success). */
#ifndef FP_ERR_H
#define FP_ERR_H

enum {
    FP_OK = 0,
    FP_EINVAL = -1,   /* bad argument or input */
    FP_ENOMEM = -2,   /* allocation failed */
    FP_EIO = -3,      /* file or socket I/O failed */
    FP_EPROTO = -4,   /* malformed record */
    FP_EVERSION = -5, /* record of an unknown version */
    FP_ERANGE = -6,   /* value out of range */
    FP_ENOTFOUND = -7,
    FP_EBUSY = -8,    /* endpoint or resource already in use */
    FP_ECANCELED = -9, /* stopped on request (a daemon stopping mid-work) */
};

const char *fp_strerror(int code);

#endif
