/* The DSDT's AML, encoded here from the ACPI 6.3 grammar (section 20):
 *
 *   Scope (\_SB) {
 *       Device (CPU0) { Name (_HID, "ACPI0007")  Name (_UID, 0) }
 *   }
 *
 * The processor device is what ACPI 6 wants in place of the deprecated
 * Processor op; its _UID is the MADT entry's processor UID. The ISA
 * devices need no objects: the FADT's IAPC_BOOT_ARCH says they are there
 * and Linux then probes them at their fixed ports. */
#include <string.h>

#include "core/pc_tables.h"

#define AML_ZERO      0x00
#define AML_ONE       0x01
#define AML_BYTE      0x0a
#define AML_NAME      0x08
#define AML_SCOPE     0x10
#define AML_STRING    0x0d
#define AML_EXT       0x5b
#define AML_DEVICE    0x82     /* after AML_EXT */
#define AML_ROOT      '\\'

/* A name segment: four characters, '_'-padded. */
static void aml_nameseg(struct tbuf *t, const char *s)
{
	char seg[4];
	size_t n = strnlen(s, sizeof(seg));
	memcpy(seg, s, n);
	memset(seg + n, '_', sizeof(seg) - n);
	tb_put(t, seg, sizeof(seg));
}

/* PkgLength for content bytes that follow it; the length counts its own
 * bytes. One byte holds up to 63; two hold up to 4095 (low nibble in the
 * lead byte with the count of bytes after it, the rest in the next byte),
 * more than any table here (TBUF_MAX). */
static void aml_pkglength(struct tbuf *t, size_t content)
{
	size_t len = content + 1;
	if (len < 0x40) {
		tb_u8(t, (uint8_t)len);
		return;
	}
	len++;
	if (len > 0xfff) {
		t->overflow = true;
		return;
	}
	tb_u8(t, (uint8_t)(1u << 6 | (len & 0xf)));
	tb_u8(t, (uint8_t)(len >> 4));
}

/* op (one or two bytes), PkgLength, then body (the name and the terms). */
static void aml_package_op(struct tbuf *t, const uint8_t *op, size_t oplen,
                           const struct tbuf *body)
{
	tb_put(t, op, oplen);
	aml_pkglength(t, body->n);
	tb_put(t, body->b, body->n);
	t->overflow |= body->overflow;
}

static void aml_int(struct tbuf *t, uint8_t v)
{
	if (v > AML_ONE)
		tb_u8(t, AML_BYTE);
	tb_u8(t, v);
}

static void aml_name_string(struct tbuf *t, const char *name, const char *s)
{
	tb_u8(t, AML_NAME);
	aml_nameseg(t, name);
	tb_u8(t, AML_STRING);
	tb_put(t, s, strlen(s) + 1);
}

static void aml_cpu_device(struct tbuf *t)
{
	static const uint8_t op[] = { AML_EXT, AML_DEVICE };
	struct tbuf body = { .n = 0 };
	aml_nameseg(&body, "CPU0");
	aml_name_string(&body, "_HID", "ACPI0007");
	tb_u8(&body, AML_NAME);
	aml_nameseg(&body, "_UID");
	aml_int(&body, ACPI_CPU_UID);
	aml_package_op(t, op, sizeof(op), &body);
}

void acpi_dsdt_aml(struct tbuf *t)
{
	static const uint8_t op[] = { AML_SCOPE };
	struct tbuf body = { .n = 0 };
	tb_u8(&body, AML_ROOT);
	aml_nameseg(&body, "_SB");
	aml_cpu_device(&body);
	aml_package_op(t, op, sizeof(op), &body);
}
