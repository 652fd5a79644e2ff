/* charclass: what one character is, asked by code point, for the scans
 * that pass over every character of a report (scan_refs): the character is
 * decoded once and each question is a table load, not a compare of bytes
 * or a switch per question. */
#ifndef FP_CHARCLASS_H
#define FP_CHARCLASS_H

#include <stdint.h>

/* The value of the Chinese numeral with code point cp (〇 零 ○ 一 … 九), -1
 * if it is none: a perfect hash of the twelve into sixteen slots (the
 * multiplier was searched for so that no two share one). */
static inline int fp_hanzi_digit_cp(uint32_t cp)
{
    static const struct {
        uint16_t cp;
        int8_t v;
    } slot[16] = {{0x4E09, 3}, {0, -1},      {0x3007, 0}, {0x4E00, 1}, {0, -1},      {0x25CB, 0},
                  {0x96F6, 0}, {0, -1},      {0x56DB, 4}, {0, -1},      {0x516D, 6}, {0x4E94, 5},
                  {0x4E8C, 2}, {0x4E03, 7}, {0x516B, 8}, {0x4E5D, 9}};
    uint32_t i = (cp * 0xDE459C25u) >> 28;
    return slot[i].cp == cp ? slot[i].v : -1;
}

/* Code points scan_refs asks about at every character: titles open and close. */
#define FP_CP_TITLE_OPEN 0x300Au  /* 《 */
#define FP_CP_TITLE_CLOSE 0x300Bu /* 》 */

#endif
