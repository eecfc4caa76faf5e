/**
 * Published test data, each with its source. Hex strings; fields named as in
 * the source documents.
 */

/**
 * 3GPP TS 35.208 (MILENAGE, Document 4: design conformance test data), §4.3,
 * test sets 1..20; sets 1..6 are also the test sets of TS 35.207 (Document 3:
 * implementors' test data). Transcribed from hostap tests/test-milenage.c
 * (which lists the spec's sets, but repeats set 1 in place of set 2) and, for
 * set 2, from CryptoMobile test/test_Milenage.py (P1Sec), which carries the
 * TS 35.207 sets 1..6. Every set was also reproduced by libosmogsm 1.7 on
 * this machine (test/oracle).
 */
export const TS35208 = [
  { set: 1, k: '465b5ce8b199b49faa5f0a2ee238a6bc', rand: '23553cbe9637a89d218ae64dae47bf35', sqn: 'ff9bb4d0b607', amf: 'b9b9', op: 'cdc202d5123e20f62b6d676ac72cb318', opc: 'cd63cb71954a9f4e48a5994e37a02baf', f1: '4a9ffac354dfafb3', f1s: '01cfaf9ec4e871e9', f2: 'a54211d5e3ba50bf', f3: 'b40ba9a3c58b2a05bbf0d987b21bf8cb', f4: 'f769bcd751044604127672711c6d3441', f5: 'aa689c648370', f5s: '451e8beca43b' },
  { set: 2, k: '0396eb317b6d1c36f19c1c84cd6ffd16', rand: 'c00d603103dcee52c4478119494202e8', sqn: 'fd8eef40df7d', amf: 'af17', op: 'ff53bade17df5d4e793073ce9d7579fa', opc: '53c15671c60a4b731c55b4a441c0bde2', f1: '5df5b31807e258b0', f1s: 'a8c016e51ef4a343', f2: 'd3a628ed988620f0', f3: '58c433ff7a7082acd424220f2b67c556', f4: '21a8c1f929702adb3e738488b9f5c5da', f5: 'c47783995f72', f5s: '30f1197061c1' },
  { set: 3, k: 'fec86ba6eb707ed08905757b1bb44b8f', rand: '9f7c8d021accf4db213ccff0c7f71a6a', sqn: '9d0277595ffc', amf: '725c', op: 'dbc59adcb6f9a0ef735477b7fadf8374', opc: '1006020f0a478bf6b699f15c062e42b3', f1: '9cabc3e99baf7281', f1s: '95814ba2b3044324', f2: '8011c48c0c214ed2', f3: '5dbdbb2954e8f3cde665b046179a5098', f4: '59a92d3b476a0443487055cf88b2307b', f5: '33484dc2136b', f5s: 'deacdd848cc6' },
  { set: 4, k: '9e5944aea94b81165c82fbf9f32db751', rand: 'ce83dbc54ac0274a157c17f80d017bd6', sqn: '0b604a81eca8', amf: '9e09', op: '223014c5806694c007ca1eeef57f004f', opc: 'a64a507ae1a2a98bb88eb4210135dc87', f1: '74a58220cba84c49', f1s: 'ac2cc74a96871837', f2: 'f365cd683cd92e96', f3: 'e203edb3971574f5a94b0d61b816345d', f4: '0c4524adeac041c4dd830d20854fc46b', f5: 'f0b9c08ad02e', f5s: '6085a86c6f63' },
  { set: 5, k: '4ab1deb05ca6ceb051fc98e77d026a84', rand: '74b0cd6031a1c8339b2b6ce2b8c4a186', sqn: 'e880a1b580b6', amf: '9f07', op: '2d16c5cd1fdf6b22383584e3bef2a8d8', opc: 'dcf07cbd51855290b92a07a9891e523e', f1: '49e785dd12626ef2', f1s: '9e85790336bb3fa2', f2: '5860fc1bce351e7e', f3: '7657766b373d1c2138f307e3de9242f9', f4: '1c42e960d89b8fa99f2744e0708ccb53', f5: '31e11a609118', f5s: 'fe2555e54aa9' },
  { set: 6, k: '6c38a116ac280c454f59332ee35c8c4f', rand: 'ee6466bc96202c5a557abbeff8babf63', sqn: '414b98222181', amf: '4464', op: '1ba00a1a7c6700ac8c3ff3e96ad08725', opc: '3803ef5363b947c6aaa225e58fae3934', f1: '078adfb488241a57', f1s: '80246b8d0186bcf1', f2: '16c8233f05a0ac28', f3: '3f8c7587fe8e4b233af676aede30ba3b', f4: 'a7466cc1e6b2a1337d49d3b66e95d7b4', f5: '45b0f69ab06c', f5s: '1f53cd2b1113' },
  { set: 7, k: '2d609d4db0ac5bf0d2c0de267014de0d', rand: '194aa756013896b74b4a2a3b0af4539e', sqn: '6bf69438c2e4', amf: '5f67', op: '460a48385427aa39264aac8efc9e73e8', opc: 'c35a0ab0bcbfc9252caff15f24efbde0', f1: 'bd07d3003b9e5cc3', f1s: 'bcb6c2fcad152250', f2: '8c25a16cd918a1df', f3: '4cd0846020f8fa0731dd47cbdc6be411', f4: '88ab80a415f15c73711254a1d388f696', f5: '7e6455f34cf3', f5s: 'dc6dd01e8f15' },
  { set: 8, k: 'a530a7fe428fad1082c45eddfce13884', rand: '3a4c2b3245c50eb5c71d08639395764d', sqn: 'f63f5d768784', amf: 'b90e', op: '511c6c4e83e38c89b1c5d8dde62426fa', opc: '27953e49bc8af6dcc6e730eb80286be3', f1: '53761fbd679b0bad', f1s: '21adfd334a10e7ce', f2: 'a63241e1ffc3e5ab', f3: '10f05bab75a99a5fbb98a9c287679c3b', f4: 'f9ec0865eb32f22369cade40c59c3a44', f5: '88196c47986f', f5s: 'c987a3d23115' },
  { set: 9, k: 'd9151cf04896e25830bf2e08267b8360', rand: 'f761e5e93d603feb730e27556cb8a2ca', sqn: '47ee0199820a', amf: '9113', op: '75fc2233a44294ee8e6de25c4353d26b', opc: 'c4c93effe8a08138c203d4c27ce4e3d9', f1: '66cc4be44862af1f', f1s: '7a4b8d7a8753f246', f2: '4a90b2171ac83a76', f3: '71236b7129f9b22ab77ea7a54c96da22', f4: '90527ebaa5588968db41727325a04d9e', f5: '82a0f5287a71', f5s: '527dbf41f35f' },
  { set: 10, k: 'a0e2971b6822e8d354a18cc235624ecb', rand: '08eff828b13fdb562722c65c7f30a9b2', sqn: 'db5c066481e0', amf: '716b', op: '323792faca21fb4d5d6f13c145a9d2c1', opc: '82a26f22bba9e9488f949a10d98e9cc4', f1: '9485fe24621cb9f6', f1s: 'bce325ce03e2e9b9', f2: '4bc2212d8624910a', f3: '08cef6d004ec61471a3c3cda048137fa', f4: 'ed0318ca5deb9206272f6e8fa64ba411', f5: 'a2f858aa9e5d', f5s: '74e76fbbec38' },
  { set: 11, k: '0da6f7ba86d5eac8a19cf563ac58642d', rand: '679ac4dbacd7d233ff9d6806f4149ce3', sqn: '6e2331d692ad', amf: '224a', op: '4b9a26fa459e3acbff36f4015de3bdc1', opc: '0db1071f8767562ca43a0a64c41e8d08', f1: '2831d7ae9088e492', f1s: '9b2e16951135d523', f2: '6fc30fee6d123523', f3: '69b1cae7c7429d975e245cacb05a517c', f4: '74f24e8c26df58e1b38d7dcd4f1b7fbd', f5: '4c539a26e1fa', f5s: '07861e126928' },
  { set: 12, k: '77b45843c88e58c10d202684515ed430', rand: '4c47eb3076dc55fe5106cb2034b8cd78', sqn: 'fe1a8731005d', amf: 'ad25', op: 'bf3286c7a51409ce95724d503bfe6e70', opc: 'd483afae562409a326b5bb0b20c4d762', f1: '08332d7e9f484570', f1s: 'ed41b734489d5207', f2: 'aefa357beac2a87a', f3: '908c43f0569cb8f74bc971e706c36c5f', f4: 'c251df0d888dd9329bcf46655b226e40', f5: '30ff25cdadf6', f5s: 'e84ed0d4677e' },
  { set: 13, k: '729b17729270dd87ccdf1bfe29b4e9bb', rand: '311c4c929744d675b720f3b7e9b1cbd0', sqn: 'c85c4cf65916', amf: '5bb2', op: 'd04c9c35bd2262fa810d2924d036fd13', opc: '228c2f2f06ac3268a9e616ee16db4ba1', f1: 'ff794fe2f827ebf8', f1s: '24fe4dc61e874b52', f2: '98dbbd099b3b408d', f3: '44c0f23c5493cfd241e48f197e1d1012', f4: '0c9fb81613884c2535dd0eabf3b440d8', f5: '5380d158cfe3', f5s: '87ac3b559fb6' },
  { set: 14, k: 'd32dd23e89dc662354ca12eb79dd32fa', rand: 'cf7d0ab1d94306950bf12018fbd46887', sqn: '484107e56a43', amf: 'b5e6', op: 'fe75905b9da47d356236d0314e09c32e', opc: 'd22a4b4180a5325708a5ff70d9f67ec7', f1: 'cf19d62b6a809866', f1s: '5d269537e45e2ce6', f2: 'af4a411e1139f2c2', f3: '5af86b80edb70df5292cc1121cbad50c', f4: '7f4d6ae7440e18789a8b75ad3f42f03a', f5: '217af49272ad', f5s: '900e101c677e' },
  { set: 15, k: 'af7c65e1927221de591187a2c5987a53', rand: '1f0f8578464fd59b64bed2d09436b57a', sqn: '3d627b01418d', amf: '84f6', op: '0c7acb8d95b7d4a31c5aca6d26345a88', opc: 'a4cf5c8155c08a7eff418e5443b98e55', f1: 'c37cae7805642032', f1s: '68cd09a452d8db7c', f2: '7bffa5c2f41fbc05', f3: '3f8c3f3ccf7625bf77fc94bcfd22fd26', f4: 'abcbae8fd46115e9961a55d0da5f2078', f5: '837fd7b74419', f5s: '56e97a6090b1' },
  { set: 16, k: '5bd7ecd3d3127a41d12539bed4e7cf71', rand: '59b75f14251c75031d0bcbac1c2c04c7', sqn: 'a298ae8929dc', amf: 'd056', op: 'f967f76038b920a9cd25e10c08b49924', opc: '76089d3c0ff3efdc6e36721d4fceb747', f1: 'c3f25cd94309107e', f1s: 'b0c8ba343665afcc', f2: '7e3f44c7591f6f45', f3: 'd42b2d615e49a03ac275a5aef97af892', f4: '0b3f8d024fe6bfafaa982b8f82e319c2', f5: '5be11495525d', f5s: '4d6a34a1e4eb' },
  { set: 17, k: '6cd1c6ceb1e01e14f1b82316a90b7f3d', rand: 'f69b78f300a0568bce9f0cb93c4be4c9', sqn: 'b4fce5feb059', amf: 'e4bb', op: '078bfca9564659ecd8851e84e6c59b48', opc: 'a219dc37f1dc7d66738b5843c799f206', f1: '69a90869c268cb7b', f1s: '2e0fdcf9fd1cfa6a', f2: '70f6bdb9ad21525f', f3: '6edaf99e5bd9f85d5f36d91c1272fb4b', f4: 'd61c853c280dd9c46f297baec386de17', f5: '1c408a858b3e', f5s: 'aa4ae52daa30' },
  { set: 18, k: 'b73a90cbcf3afb622dba83c58a8415df', rand: 'b120f1c1a0102a2f507dd543de68281f', sqn: 'f1e8a523a36d', amf: '471b', op: 'b672047e003bb952dca6cb8af0e5b779', opc: 'df0c67868fa25f748b7044c6e7c245b8', f1: 'ebd70341bcd415b0', f1s: '12359f5d82220c14', f2: '479dd25c20792d63', f3: '66195dbed0313274c5ca7766615fa25e', f4: '66bec707eb2afc476d7408a8f2927b36', f5: 'aefdaa5ddd99', f5s: '12ec2b87fbb1' },
  { set: 19, k: '5122250214c33e723a5dd523fc145fc0', rand: '81e92b6c0ee0e12ebceba8d92a99dfa5', sqn: '16f3b3f70fc2', amf: 'c3ab', op: 'c9e8763286b5b9ffbdf56e1297d0887b', opc: '981d464c7c52eb6e5036234984ad0bcf', f1: '2a5c23d15ee351d5', f1s: '62dae3853f3af9d2', f2: '28d7b0f2a2ec3de5', f3: '5349fbe098649f948f5d2e973a81c00f', f4: '9744871ad32bf9bbd1dd5ce54e3e2e5a', f5: 'ada15aeb7bb8', f5s: 'd461bc15475d' },
  { set: 20, k: '90dca4eda45b53cf0f12d7c9c3bc6a89', rand: '9fddc72092c6ad036b6e464789315b78', sqn: '20f813bd4141', amf: '61df', op: '3ffcfe5b7b1111589920d3528e84e655', opc: 'cb9cccc4b9258e6dca4760379fb82581', f1: '09db94eab4f8149e', f1s: 'a29468aa9775b527', f2: 'a95100e2760952cd', f3: 'b5f2da03883b69f96bf52e029ed9ac45', f4: 'b4721368bc16ea67875c5598688bb0ef', f5: '83cfd54db913', f5s: '4f2039392ddc' },
] as const;

/**
 * 3GPP TS 55.205 (GSM-MILENAGE), test sets 1..19: SRES#1 = c2(RES) and
 * Kc = c3(CK, IK) of TS 33.102 §6.8.1.2; SRES#2 = the first 32 bits of RES
 * (the specification's alternative). Ki/RAND/OPc/SRES/Kc transcribed from
 * hostap tests/test-milenage.c ("3GPP TS 55.205 v6.0.0 - Test Set n"); RES,
 * CK and IK from osmo-hlr tests/auc/auc_ts_55_205_test_sets.err.
 */
export const TS55205 = [
  { set: 1, ki: '465b5ce8b199b49faa5f0a2ee238a6bc', rand: '23553cbe9637a89d218ae64dae47bf35', opc: 'cd63cb71954a9f4e48a5994e37a02baf', res: 'a54211d5e3ba50bf', ck: 'b40ba9a3c58b2a05bbf0d987b21bf8cb', ik: 'f769bcd751044604127672711c6d3441', sres1: '46f8416a', sres2: 'a54211d5', kc: 'eae4be823af9a08b' },
  { set: 2, ki: 'fec86ba6eb707ed08905757b1bb44b8f', rand: '9f7c8d021accf4db213ccff0c7f71a6a', opc: '1006020f0a478bf6b699f15c062e42b3', res: '8011c48c0c214ed2', ck: '5dbdbb2954e8f3cde665b046179a5098', ik: '59a92d3b476a0443487055cf88b2307b', sres1: '8c308a5e', sres2: '8011c48c', kc: 'aa01739b8caa976d' },
  { set: 3, ki: '9e5944aea94b81165c82fbf9f32db751', rand: 'ce83dbc54ac0274a157c17f80d017bd6', opc: 'a64a507ae1a2a98bb88eb4210135dc87', res: 'f365cd683cd92e96', ck: 'e203edb3971574f5a94b0d61b816345d', ik: '0c4524adeac041c4dd830d20854fc46b', sres1: 'cfbce3fe', sres2: 'f365cd68', kc: '9a8ec95f408cc507' },
  { set: 4, ki: '4ab1deb05ca6ceb051fc98e77d026a84', rand: '74b0cd6031a1c8339b2b6ce2b8c4a186', opc: 'dcf07cbd51855290b92a07a9891e523e', res: '5860fc1bce351e7e', ck: '7657766b373d1c2138f307e3de9242f9', ik: '1c42e960d89b8fa99f2744e0708ccb53', sres1: '9655e265', sres2: '5860fc1b', kc: 'cdc1dc0841b81a22' },
  { set: 5, ki: '6c38a116ac280c454f59332ee35c8c4f', rand: 'ee6466bc96202c5a557abbeff8babf63', opc: '3803ef5363b947c6aaa225e58fae3934', res: '16c8233f05a0ac28', ck: '3f8c7587fe8e4b233af676aede30ba3b', ik: 'a7466cc1e6b2a1337d49d3b66e95d7b4', sres1: '13688f17', sres2: '16c8233f', kc: 'df75bc5ea899879f' },
  { set: 6, ki: '2d609d4db0ac5bf0d2c0de267014de0d', rand: '194aa756013896b74b4a2a3b0af4539e', opc: 'c35a0ab0bcbfc9252caff15f24efbde0', res: '8c25a16cd918a1df', ck: '4cd0846020f8fa0731dd47cbdc6be411', ik: '88ab80a415f15c73711254a1d388f696', sres1: '553d00b3', sres2: '8c25a16c', kc: '84b417ae3aeab4f3' },
  { set: 7, ki: 'a530a7fe428fad1082c45eddfce13884', rand: '3a4c2b3245c50eb5c71d08639395764d', opc: '27953e49bc8af6dcc6e730eb80286be3', res: 'a63241e1ffc3e5ab', ck: '10f05bab75a99a5fbb98a9c287679c3b', ik: 'f9ec0865eb32f22369cade40c59c3a44', sres1: '59f1a44a', sres2: 'a63241e1', kc: '3b4e244cdc60ce03' },
  { set: 8, ki: 'd9151cf04896e25830bf2e08267b8360', rand: 'f761e5e93d603feb730e27556cb8a2ca', opc: 'c4c93effe8a08138c203d4c27ce4e3d9', res: '4a90b2171ac83a76', ck: '71236b7129f9b22ab77ea7a54c96da22', ik: '90527ebaa5588968db41727325a04d9e', sres1: '50588861', sres2: '4a90b217', kc: '8d4ec01de597acfe' },
  { set: 9, ki: 'a0e2971b6822e8d354a18cc235624ecb', rand: '08eff828b13fdb562722c65c7f30a9b2', opc: '82a26f22bba9e9488f949a10d98e9cc4', res: '4bc2212d8624910a', ck: '08cef6d004ec61471a3c3cda048137fa', ik: 'ed0318ca5deb9206272f6e8fa64ba411', sres1: 'cde6b027', sres2: '4bc2212d', kc: 'd8debc4ffbcd60aa' },
  { set: 10, ki: '0da6f7ba86d5eac8a19cf563ac58642d', rand: '679ac4dbacd7d233ff9d6806f4149ce3', opc: '0db1071f8767562ca43a0a64c41e8d08', res: '6fc30fee6d123523', ck: '69b1cae7c7429d975e245cacb05a517c', ik: '74f24e8c26df58e1b38d7dcd4f1b7fbd', sres1: '02d13acd', sres2: '6fc30fee', kc: 'f0eaa50a1edcebb7' },
  { set: 11, ki: '77b45843c88e58c10d202684515ed430', rand: '4c47eb3076dc55fe5106cb2034b8cd78', opc: 'd483afae562409a326b5bb0b20c4d762', res: 'aefa357beac2a87a', ck: '908c43f0569cb8f74bc971e706c36c5f', ik: 'c251df0d888dd9329bcf46655b226e40', sres1: '44389d01', sres2: 'aefa357b', kc: '82dbab7f83f063da' },
  { set: 12, ki: '729b17729270dd87ccdf1bfe29b4e9bb', rand: '311c4c929744d675b720f3b7e9b1cbd0', opc: '228c2f2f06ac3268a9e616ee16db4ba1', res: '98dbbd099b3b408d', ck: '44c0f23c5493cfd241e48f197e1d1012', ik: '0c9fb81613884c2535dd0eabf3b440d8', sres1: '03e0fd84', sres2: '98dbbd09', kc: '3c66cb98cab2d33d' },
  { set: 13, ki: 'd32dd23e89dc662354ca12eb79dd32fa', rand: 'cf7d0ab1d94306950bf12018fbd46887', opc: 'd22a4b4180a5325708a5ff70d9f67ec7', res: 'af4a411e1139f2c2', ck: '5af86b80edb70df5292cc1121cbad50c', ik: '7f4d6ae7440e18789a8b75ad3f42f03a', sres1: 'be73b3dc', sres2: 'af4a411e', kc: '9612b5d88a4130bb' },
  { set: 14, ki: 'af7c65e1927221de591187a2c5987a53', rand: '1f0f8578464fd59b64bed2d09436b57a', opc: 'a4cf5c8155c08a7eff418e5443b98e55', res: '7bffa5c2f41fbc05', ck: '3f8c3f3ccf7625bf77fc94bcfd22fd26', ik: 'abcbae8fd46115e9961a55d0da5f2078', sres1: '8fe019c7', sres2: '7bffa5c2', kc: '75a150df3c6aed08' },
  { set: 15, ki: '5bd7ecd3d3127a41d12539bed4e7cf71', rand: '59b75f14251c75031d0bcbac1c2c04c7', opc: '76089d3c0ff3efdc6e36721d4fceb747', res: '7e3f44c7591f6f45', ck: 'd42b2d615e49a03ac275a5aef97af892', ik: '0b3f8d024fe6bfafaa982b8f82e319c2', sres1: '27202b82', sres2: '7e3f44c7', kc: 'b7f92e426a36fec5' },
  { set: 16, ki: '6cd1c6ceb1e01e14f1b82316a90b7f3d', rand: 'f69b78f300a0568bce9f0cb93c4be4c9', opc: 'a219dc37f1dc7d66738b5843c799f206', res: '70f6bdb9ad21525f', ck: '6edaf99e5bd9f85d5f36d91c1272fb4b', ik: 'd61c853c280dd9c46f297baec386de17', sres1: 'ddd7efe6', sres2: '70f6bdb9', kc: '88d9de10a22004c5' },
  { set: 17, ki: 'b73a90cbcf3afb622dba83c58a8415df', rand: 'b120f1c1a0102a2f507dd543de68281f', opc: 'df0c67868fa25f748b7044c6e7c245b8', res: '479dd25c20792d63', ck: '66195dbed0313274c5ca7766615fa25e', ik: '66bec707eb2afc476d7408a8f2927b36', sres1: '67e4ff3f', sres2: '479dd25c', kc: 'a819e577a8d6175b' },
  { set: 18, ki: '5122250214c33e723a5dd523fc145fc0', rand: '81e92b6c0ee0e12ebceba8d92a99dfa5', opc: '981d464c7c52eb6e5036234984ad0bcf', res: '28d7b0f2a2ec3de5', ck: '5349fbe098649f948f5d2e973a81c00f', ik: '9744871ad32bf9bbd1dd5ce54e3e2e5a', sres1: '8a3b8d17', sres2: '28d7b0f2', kc: '9a8d0e883ff0887a' },
  { set: 19, ki: '90dca4eda45b53cf0f12d7c9c3bc6a89', rand: '9fddc72092c6ad036b6e464789315b78', opc: 'cb9cccc4b9258e6dca4760379fb82581', res: 'a95100e2760952cd', ck: 'b5f2da03883b69f96bf52e029ed9ac45', ik: 'b4721368bc16ea67875c5598688bb0ef', sres1: 'df58522f', sres2: 'a95100e2', kc: 'ed29b2f1c27f9f34' },
] as const;

/** COMP128v1 (A3/A8) vectors from four places, none of them this package. */
export const COMP128V1 = [
  // libosmocore tests/auth/gsm_test.c, OSMO_AUTH_ALG_COMP128v1
  { src: 'libosmocore tests/auth/gsm_test.c', ki: '00112233445566778899aabbccddeeff', rand: '0123456789abcdeffedcba9876543210', sres: '53513ebd', kc: '13c26b8f82ab7400' },
  // osmo-hlr tests/auc/auc_test.c, test_gen_vectors_2g_only (also the 2G half of test_gen_vectors_2g_plus_3g)
  { src: 'osmo-hlr tests/auc/auc_test.c', ki: 'eb215756028d60e3275e613320aec880', rand: '39fa2f4e3d523d8619a73b4f65c3e14d', sres: '429d5b27', kc: '241a5b16aeb8e400' },
  // python comp128 package by Lennart Rosam (2025), tests test_comp128v1, cases 1 and 2
  { src: 'python comp128 (L. Rosam) test_comp128v1 #1', ki: '112233445566778899aabbccddeeff00', rand: '2233445566778899aabbccddeeff0011', sres: '3c0dcfbd', kc: 'f84a72dc312f6000' },
  { src: 'python comp128 (L. Rosam) test_comp128v1 #2', ki: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', rand: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', sres: '2eb9f582', kc: '59a9cf45911c3400' },
] as const;

/**
 * XOR-2G (TS 51.010-1 A.4.1.2): libosmocore tests/auth/xor2g_test.ok (Ki
 * 000102..0f, two RANDs) and tests/auth/gsm_test.c (the original XOR entry,
 * which is this algorithm).
 */
export const XOR2G = [
  { src: 'libosmocore tests/auth/xor2g_test.ok #1', ki: '000102030405060708090a0b0c0d0e0f', rand: '00000000000000000000000000000000', sres: '00010203', kc: '0405060708090a0b' },
  { src: 'libosmocore tests/auth/xor2g_test.ok #2', ki: '000102030405060708090a0b0c0d0e0f', rand: '00102030405060708090a0b0c0d0e0f0', sres: '00112233', kc: '445566778899aabb' },
  { src: 'libosmocore tests/auth/gsm_test.c (XOR)', ki: '00112233445566778899aabbccddeeff', rand: '0123456789abcdeffedcba9876543210', sres: '01326754', kc: 'cdfeab9876451023' },
] as const;

/**
 * MILENAGE as an HLR uses it (AMF 0000, SQN counted by the HLR): osmo-hlr
 * tests/auc/auc_test.c. test_gen_vectors_2g_plus_3g / _3g_only generate SQN
 * 32 (sqn 31 + 1); the "N vectors" part generates SQN 24, 25, 26 (sqn 23 + 1..3)
 * with RANDs stepping by 0x11 per byte. sres/kc are c2/c3 (3G-only subscriber).
 */
export const OSMO_HLR_MILENAGE = {
  k: 'eb215756028d60e3275e613320aec880',
  opc: 'fb2a3d1b360f599abab99db8669f8308',
  vectors: [
    { sqn: 32, rand: '39fa2f4e3d523d8619a73b4f65c3e14d', autn: '8704f5ba55d30000541dde77ea5b1d8c', ck: 'f64735036e5871319c679f4742a75ea1', ik: '27497388b6cb044648f396aa155b95ef', res: 'e229c19e791f2e41', kc: '059a4f668f6fbe39', sres: '9b36efdf' },
    { sqn: 24, rand: '897210a0f7de278f0b8213098e098a3f', autn: 'c6b9790dad4b00000cf322869ea6a481', ck: 'e9922bd036718ed9e40bd1d02c3b81a5', ik: 'f19c20ca863137f8892326d959ec5e01', res: '9af5a557902d2db8', kc: '7526fc13c5976685', sres: '0ad888ef' },
    { sqn: 25, rand: '9a8321b108ef38a01c93241a9f1a9b50', autn: '79a5113eb0910000be6020540503ffc5', ck: '3686f05df057d1899c66ae4eb18cf941', ik: '79f21ed53bcb47787de57d136ff803a5', res: '43023475cb29292c', kc: 'aef73dd515e86c15', sres: '882b1d59' },
    { sqn: 26, rand: 'ab9432c2190049b12da4352bb02bac61', autn: '24b018d46c3b00009c7e1b47f3a19b2b', ck: 'd86c3191a36fc0602e48202ef2080964', ik: '648dab72016181406243420649e63dc9', res: '010cab11cc63a6e4', kc: 'f0eaf8cb19e0758d', sres: 'cd6f0df5' },
  ],
  /** The same test's AUTS: the USIM at SQN_MS 23 answering RAND 39fa2f4e... (AK* = 979498b1f73a, MAC-S 3e28c59fa2e72f9c). */
  resync: { rand: '39fa2f4e3d523d8619a73b4f65c3e14d', sqnMs: 23, auts: '979498b1f72d3e28c59fa2e72f9c' },
} as const;

/**
 * libosmocore tests/auth/milenage_test.c / .ok: K = OPc = 000102..0f, RAND 0,
 * AMF 0000, SQN 0x21 + 1 = 34; then an AUTS after which the next SQN is 32
 * (so SQN_MS = 31); and OPc for OP = 0.
 */
export const OSMO_MILENAGE_TEST = {
  k: '000102030405060708090a0b0c0d0e0f',
  opc: '000102030405060708090a0b0c0d0e0f',
  rand: '00000000000000000000000000000000',
  sqn: 34,
  autn: 'ec9320c2c2120000c8b7de2a3449f1bd',
  ik: '12cb2dd3e0ec8378f6fc1d606c619f47',
  ck: '7200a184d8f2c758fbdf87900ddbf275',
  res: 'e9fc88ccc8a35381',
  sres: '215fdb4d',
  kc: '6de816a759a42912',
  auts: '8711a0ec9e1637df17f80b384ee4',
  sqnMsFromAuts: 31,
  opFor0: '00000000000000000000000000000000',
  opcFor0: 'c6a13b37878f5b826f4f8162a1c8d879',
} as const;

/**
 * hostap tests/test-milenage.c, milenage_auts tests with the K/OPc of TS
 * 35.208 test set 20: an AUTS built from f5* = 4f2039392ddc with SQN_MS 1,
 * and "AUTS from a test USIM" for RAND aa..aa (SQN not printed by the source:
 * only that MAC-S verifies).
 */
export const HOSTAP_AUTS = [
  { rand: '9fddc72092c6ad036b6e464789315b78', auts: '4f2039392ddd4bb4316ed4a14688', sqnMs: 1 as number | undefined },
  { rand: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', auts: '43681ad3daf006bcde405a207267', sqnMs: undefined },
] as const;
