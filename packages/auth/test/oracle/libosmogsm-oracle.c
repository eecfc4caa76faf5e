/*
 * Test oracle: asks the system's libosmogsm (Debian libosmogsm18, libosmocore
 * 1.7) for authentication results, so that @snaptel/auth is compared with an
 * implementation someone else wrote. There are no libosmocore headers on the
 * machine, so the few prototypes and structs used are declared here from the
 * library's public API (include/osmocom/crypt/auth.h, milenage.h of 1.7).
 *
 * Reads lines from stdin, one request each, hex arguments; prints one line of
 * hex results per request:
 *   comp128 KI RAND               -> SRES KC
 *   opc K OP                      -> OPC
 *   milenage K OPC RAND SQN AMF   -> MAC-A MAC-S RES CK IK AK AK*
 *   gsm_milenage K OPC RAND       -> SRES KC
 *   xor_gsm KI RAND               -> SRES KC          (osmo_auth_gen_vec, OSMO_AUTH_ALG_XOR, GSM)
 *   xor_umts K RAND SQN AMF       -> RES CK IK AUTN SRES KC (same, UMTS; SQN as 12 hex digits)
 *   c3 CK IK                      -> KC
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

void comp128(const uint8_t *ki, const uint8_t *rand, uint8_t *sres, uint8_t *kc);
int milenage_f1(const uint8_t *opc, const uint8_t *k, const uint8_t *rand, const uint8_t *sqn,
		const uint8_t *amf, uint8_t *mac_a, uint8_t *mac_s);
int milenage_f2345(const uint8_t *opc, const uint8_t *k, const uint8_t *rand, uint8_t *res,
		   uint8_t *ck, uint8_t *ik, uint8_t *ak, uint8_t *akstar);
int milenage_opc_gen(uint8_t *opc, const uint8_t *k, const uint8_t *op);
int gsm_milenage(const uint8_t *opc, const uint8_t *k, const uint8_t *rand, uint8_t *sres, uint8_t *kc);
void osmo_auth_c3(uint8_t kc[], const uint8_t ck[], const uint8_t ik[]);

enum { TYPE_GSM = 1, TYPE_UMTS = 2 };
enum { ALG_XOR = 4 };

struct sub_auth_data {
	int type;
	int algo;
	union {
		struct {
			uint8_t opc[16];
			uint8_t k[16];
			uint8_t amf[2];
			uint64_t sqn;
			int opc_is_op;
			unsigned int ind_bitlen;
			unsigned int ind;
			uint64_t sqn_ms;
		} umts;
		struct {
			uint8_t ki[16];
		} gsm;
		uint8_t pad[256];
	} u;
};

struct auth_vector {
	uint8_t rand[16];
	uint8_t autn[16];
	uint8_t ck[16];
	uint8_t ik[16];
	uint8_t res[16];
	uint8_t res_len;
	uint8_t kc[8];
	uint8_t sres[4];
	uint32_t auth_types;
	uint8_t pad[64];
};

int osmo_auth_gen_vec(struct auth_vector *vec, struct sub_auth_data *aud, const uint8_t *rand);

static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return 0;
}

static void hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf(" ");
}

int main(void)
{
	char line[1024];
	while (fgets(line, sizeof(line), stdin)) {
		char *argv[8] = { 0 };
		int argc = 0;
		for (char *t = strtok(line, " \t\r\n"); t && argc < 8; t = strtok(NULL, " \t\r\n"))
			argv[argc++] = t;
		if (argc == 0)
			continue;
		uint8_t a[16], b[16], c[16], sqn[6], amf[2];
		uint8_t o1[16], o2[16], o3[16], o4[16], o5[16], o6[16], o7[16];
		const char *cmd = argv[0];
		int bad = 0;
		if (!strcmp(cmd, "comp128") && argc == 3) {
			bad = unhex(argv[1], a, 16) | unhex(argv[2], b, 16);
			if (!bad) { comp128(a, b, o1, o2); hex(o1, 4); hex(o2, 8); }
		} else if (!strcmp(cmd, "opc") && argc == 3) {
			bad = unhex(argv[1], a, 16) | unhex(argv[2], b, 16);
			if (!bad) { milenage_opc_gen(o1, a, b); hex(o1, 16); }
		} else if (!strcmp(cmd, "milenage") && argc == 6) {
			bad = unhex(argv[1], a, 16) | unhex(argv[2], b, 16) | unhex(argv[3], c, 16) |
			      unhex(argv[4], sqn, 6) | unhex(argv[5], amf, 2);
			if (!bad) {
				milenage_f1(b, a, c, sqn, amf, o1, o2);
				milenage_f2345(b, a, c, o3, o4, o5, o6, o7);
				hex(o1, 8); hex(o2, 8); hex(o3, 8); hex(o4, 16); hex(o5, 16); hex(o6, 6); hex(o7, 6);
			}
		} else if (!strcmp(cmd, "gsm_milenage") && argc == 4) {
			bad = unhex(argv[1], a, 16) | unhex(argv[2], b, 16) | unhex(argv[3], c, 16);
			if (!bad) { gsm_milenage(b, a, c, o1, o2); hex(o1, 4); hex(o2, 8); }
		} else if (!strcmp(cmd, "xor_gsm") && argc == 3) {
			struct sub_auth_data aud;
			struct auth_vector vec;
			memset(&aud, 0, sizeof(aud));
			memset(&vec, 0, sizeof(vec));
			bad = unhex(argv[1], aud.u.gsm.ki, 16) | unhex(argv[2], b, 16);
			aud.type = TYPE_GSM;
			aud.algo = ALG_XOR;
			if (!bad && osmo_auth_gen_vec(&vec, &aud, b) < 0)
				bad = 1;
			if (!bad) { hex(vec.sres, 4); hex(vec.kc, 8); }
		} else if (!strcmp(cmd, "xor_umts") && argc == 5) {
			struct sub_auth_data aud;
			struct auth_vector vec;
			memset(&aud, 0, sizeof(aud));
			memset(&vec, 0, sizeof(vec));
			bad = unhex(argv[1], aud.u.umts.k, 16) | unhex(argv[2], b, 16) | unhex(argv[3], sqn, 6) |
			      unhex(argv[4], aud.u.umts.amf, 2);
			aud.type = TYPE_UMTS;
			aud.algo = ALG_XOR;
			for (int i = 0; i < 6; i++)
				aud.u.umts.sqn = (aud.u.umts.sqn << 8) | sqn[i];
			if (!bad && osmo_auth_gen_vec(&vec, &aud, b) < 0)
				bad = 1;
			if (!bad) { hex(vec.res, vec.res_len); hex(vec.ck, 16); hex(vec.ik, 16); hex(vec.autn, 16); hex(vec.sres, 4); hex(vec.kc, 8); }
		} else if (!strcmp(cmd, "c3") && argc == 3) {
			bad = unhex(argv[1], a, 16) | unhex(argv[2], b, 16);
			if (!bad) { osmo_auth_c3(o1, a, b); hex(o1, 8); }
		} else {
			bad = 1;
		}
		if (bad)
			printf("ERROR");
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
