//! `--help` in Chinese (the default language; `--lang en` or `ESEAL_LANG=en` keeps the English
//! written in the code). Each command's and option's English text, as the doc comments give
//! it, maps to its Chinese; options without a text of their own get one by name. A text not
//! in the table stays English (the test lists none).

/// English (as in the doc comments) → Chinese.
pub const TEXTS: &[(&str, &str)] = &[
    (
        "Draw the pages of an OFD with their seals as PNG or SVG (a rendering, not the signed file)",
        "把 OFD 的页面连同印章绘制为 PNG 或 SVG（效果图，不是签章文件本身）",
    ),
    ("The OFD document", "OFD 文档"),
    (
        "The page to draw (1-based; default 1)",
        "要绘制的页（从 1 起；默认第 1 页）",
    ),
    ("Draw every page", "绘制所有页面"),
    (
        "Resolution of PNG pages (dots per inch)",
        "PNG 页面的分辨率（每英寸点数）",
    ),
    (
        "Output format (default: from the extension of --out, else png)",
        "输出格式（默认按 --out 的扩展名，否则为 png）",
    ),
    (
        "Where to write: a file for one page, or a directory for several (made if missing; files NAME-N.png). Default: NAME-N.png in the current directory. Never overwrites",
        "写出位置：一页时为文件，多页时为目录（不存在则创建；文件名为 名称-页码.png）。默认在当前目录写出 名称-页码.png。从不覆盖已有文件",
    ),
    ("Draw the pages without their seals", "绘制页面但不画印章"),
    (
        "Verify the document and frame each stamp in its verdict's colour (green passed, red failed, grey indeterminate)",
        "验证文档，并按每个签章的验证结论给印章加框（绿色有效，红色无效，灰色无法确定）",
    ),
    (
        "Trust store for --verdicts: a directory of CA certificates and CRLs",
        "--verdicts 使用的信任库：存放 CA 证书和证书撤销列表的目录",
    ),
    (
        "Draw a font the document only names with this installed font file: NAME=FILE (repeatable; checked before the built-in rules)",
        "文档只写了名称而未嵌入的字体，用此已安装字体文件绘制：名称=文件（可重复；先于内置规则使用）",
    ),
    (
        "Archive packages for long-term validation: create, renew, verify offline",
        "长期保存用的归档包：制作、续期、离线验证",
    ),
    (
        "Make an archive package of a signed OFD (or of a detached signature with --data): the registry verifies it, adds the report, certificates, CRLs, status answers and seal log proofs, and timestamps the whole package",
        "为已签章的 OFD（或带 --data 的分离签名）制作归档包：由登记平台验证，加入验证报告、证书、证书撤销列表、印章状态答复和透明日志证明，并对整个包加盖时间戳",
    ),
    (
        "Add a new timestamp (and current certificates and CRLs) to a package, before its last timestamp's certificate expires",
        "在最后一个时间戳的证书过期前，为归档包加盖新的时间戳（并加入当前的证书和证书撤销列表）",
    ),
    (
        "Verify a package offline, as of the time its first timestamp proves: exit 0 PASSED, 1 FAILED, 2 INDETERMINATE",
        "离线验证归档包，按其第一个时间戳证明的时间：退出码 0 有效，1 无效，2 无法确定",
    ),
    ("The data a detached signature signs", "分离签名所签的原文"),
    ("The package", "归档包"),
    ("The registry whose TSA stamps it", "加盖时间戳的登记平台"),
    ("The report as JSON", "以 JSON 输出报告"),
    (
        "The signed OFD, or the detached signature",
        "已签章的 OFD，或分离签名",
    ),
    (
        "Trust anchors (a directory of CA certificates)",
        "信任锚（CA 证书目录）",
    ),
    (
        "Verify as of this time instead of now (RFC 3339)",
        "按此时间而非当前时间验证（RFC 3339）",
    ),
    ("Where to write the package", "归档包的写出位置"),
    (
        "Where to write the renewed package",
        "续期后归档包的写出位置",
    ),
    (
        "The seal log's public key (SPKI PEM), obtained out of band",
        "透明日志公钥（SPKI PEM），须从其他渠道获得",
    ),
    (
        "Accept a root certificate carried in the package whose SM3 (hex) is this (the fingerprint the agency publishes); repeatable",
        "接受包内 SM3（十六进制）为此值的根证书（发布机构公布的指纹）；可重复",
    ),
    (
        "The trust list of online verification: other CAs whose documents the service accepts",
        "在线验证的信任列表：服务所接受其文件的其他 CA",
    ),
    (
        "Every entry with its state now (active, removed, not yet or no longer trusted)",
        "列出每一项及其当前状态（生效、已移除、尚未生效或已过期）",
    ),
    (
        "Add a CA certificate (PEM or DER file) to the trust list (audited as done by the operator)",
        "把一张 CA 证书（PEM 或 DER 文件）加入信任列表（审计记为运维人员所做）",
    ),
    ("The CA certificate file", "CA 证书文件"),
    (
        "What it is (e.g. 国家政务服务平台 CA)",
        "它是什么（例如 国家政务服务平台 CA）",
    ),
    ("Why it is trusted", "信任它的理由"),
    (
        "Trusted from (RFC 3339; default: the certificate's notBefore)",
        "信任起始时间（RFC 3339；默认：证书的 notBefore）",
    ),
    (
        "Trusted until (RFC 3339; default: the certificate's notAfter)",
        "信任截止时间（RFC 3339；默认：证书的 notAfter）",
    ),
    (
        "Where the CA publishes its CRL, when its certificates name no distribution point",
        "该 CA 发布证书撤销列表（CRL）的地址，供未写明 CRL 发布点的证书使用",
    ),
    (
        "Remove an entry (its SM3 or first 16 hex digits) with a reason; it stays listed as removed (audited as done by the operator)",
        "移除一项（以其 SM3 或前 16 位十六进制标识）并说明理由；该项保留并标为已移除（审计记为运维人员所做）",
    ),
    ("The entry's id", "该项的标识"),
    ("Why it is no longer trusted", "不再信任的理由"),
    (
        "Online verification uses no network: it fetches no revocation (OCSP responders, CRL distribution points of certificates that chain to the trusted anchors) and asks the national platform nothing about seals made elsewhere",
        "在线验证不使用网络：不查询撤销状态（链到可信信任锚的证书中写明的 OCSP 应答服务、CRL 发布点），也不向全国一体化平台查询外地制作的印章",
    ),
    (
        "Ask revocation of the network: the OCSP responders (authorityInfoAccess) and CRL distribution points of certificates that chain to the --trust anchors (5 s timeout, size limits, answers cached until their nextUpdate); each result names its source",
        "联网查询撤销状态：向链到 --trust 信任锚的证书中写明的 OCSP 应答服务（authorityInfoAccess）和 CRL 发布点查询（超时 5 秒，限制应答大小，应答缓存到其 nextUpdate）；每个结果注明来源",
    ),
    (
        "Never use the network (the default): revocation only from the --trust directory",
        "不使用网络（默认）：撤销状态只取自 --trust 目录",
    ),
    (
        "OCSP responder URL written into issued certificates (authorityInfoAccess), e.g. the `eseal ca serve` address + /ocsp",
        "写入所签发证书的 OCSP 应答服务地址（authorityInfoAccess），例如 `eseal ca serve` 的地址加 /ocsp",
    ),
    (
        "Serve the CA's revocation status over HTTP: GET /crl (DER) and POST /ocsp (RFC 6960, SM2/SM3), for `--crl-url`/`--ocsp-url`. Revocations made with `eseal ca revoke` are picked up within 5 seconds",
        "通过 HTTP 提供本 CA 的撤销状态：GET /crl（DER）和 POST /ocsp（RFC 6960，SM2/SM3），供 `--crl-url`/`--ocsp-url` 使用。用 `eseal ca revoke` 做的撤销在 5 秒内生效",
    ),
    (
        "eseal 电子印章平台 / electronic seal platform",
        "eseal 电子印章平台",
    ),
    (
        "Output language / 输出语言 (default: $ESEAL_LANG, else zh)",
        "输出语言：zh（默认，或 $ESEAL_LANG）或 en",
    ),
    (
        "Make a demo seal, sign a file with it and verify it (keys, certificates and files in DIR)",
        "演示：制作一枚印章，用它签署一个文件并验证（密钥、证书和文件写入 DIR）",
    ),
    (
        "Where to write the demo material (default: a new folder under the system temp dir)",
        "演示材料写到哪里（默认：系统临时目录下的新目录）",
    ),
    ("Seals (电子印章)", "电子印章"),
    (
        "Show what a seal or signature file contains",
        "显示印章或签章文件的内容",
    ),
    (
        "Check a seal: exit 0 if well-formed and the maker's signature verifies, 1 if not",
        "检查印章：结构正确且制章者签名有效时退出码 0，否则 1",
    ),
    (
        "The time for the validity check (RFC 3339; default now)",
        "有效期检查的时间（RFC 3339；默认现在）",
    ),
    (
        "Trust store: a directory of CA certificates and CRLs",
        "信任目录：CA 证书与证书吊销列表所在目录",
    ),
    (
        "Trust store: a directory of CA certificates and CRLs. Without one the certificate chains are INDETERMINATE",
        "信任目录：CA 证书与证书吊销列表所在目录；不给出时证书链为“不确定”",
    ),
    ("Make a seal signed by the maker", "制作由制章者签名的印章"),
    (
        "Validate the maker's and signers' certificates now against this trust store (chain, validity, key usage, revocation) and refuse to make the seal unless they are valid",
        "按此信任目录现在校验制章者与签章者证书（证书链、有效期、密钥用途、吊销），不全部有效则不制章",
    ),
    (
        "Make the seal even if its name matches no signer certificate's subject (the name on a seal must be its certificate's; this bypass is for test material only)",
        "即使印章名称与签章者证书主体不符也制章（印章名称必须与证书一致；仅用于测试材料）",
    ),
    (
        "Signer certificate(s) listed in the seal (repeat for several)",
        "印章中列出的签章者证书（多个时重复给出）",
    ),
    (
        "List SM3 digests of the signer certificates instead of the certificates (v4/v5)",
        "印章中列出签章者证书的 SM3 摘要而不是证书本身（v4/v5）",
    ),
    (
        "The impression picture (PNG, JPG, GIF, BMP, SVG or OFD)",
        "印模图片（PNG、JPG、GIF、BMP、SVG 或 OFD）",
    ),
    ("Vendor id (Vid)", "厂商标识（Vid）"),
    (
        "Seal code (esID); default: derived from the maker key, the name and the time",
        "印章编码（esID）；默认由制章者密钥、名称与时间生成",
    ),
    ("Sign (电子签章)", "电子签章"),
    (
        "Sign an OFD: Type=Seal (an SES_Signature and a visible stamp; the default) or Type=Sign (a GB/T 35275 SignedData, no seal)",
        "签署 OFD：Type=Seal（电子签章与可见印章，默认）或 Type=Sign（GB/T 35275 数字签名，无印章）",
    ),
    (
        "The seal (required for --type seal)",
        "印章文件（--type seal 时必需）",
    ),
    (
        "The OFD to sign; or a directory, whose OFD files are all signed into --out (a new directory), with the same placement",
        "要签署的 OFD；或一个目录：其中所有 OFD 按同一位置签署，写入 --out（新目录）",
    ),
    ("Page (1-based) for the stamp", "盖章的页码（从 1 开始）"),
    (
        "Sign a PDF by incremental update: an SES_Signature (or, with --form cms, a CMS SignedData) in the signature field's /Contents, the seal's picture as a visible stamp at its true size (at a position, a keyword or as a riding seal, or --invisible)",
        "以增量更新签署 PDF：电子签章数据（SES_Signature；或 --form cms 时为 CMS SignedData）写入签名域的 /Contents，印章图片按实际大小作为可见印章（按位置、关键字或骑缝章，或 --invisible 不显示）",
    ),
    (
        "A riding seal (骑缝章) across the right edges of all pages (at --y from the top)",
        "骑缝章：盖在所有页面的右边缘（距上边 --y 毫米）",
    ),
    (
        "Stamp centred on this text, where it is first drawn (pages in order)",
        "印章盖在这段文字上（按页序找到的第一处，居中）",
    ),
    (
        "The signature's form: ses, the GB/T 38540 SES_Signature with the seal inside; cms, a detached CMS SignedData with SM2/SM3 (adbe.pkcs7.detached)",
        "签名形式：ses 为 GB/T 38540 电子签章数据（印章数据在签名内）；cms 为 SM2/SM3 的分离式 CMS SignedData（adbe.pkcs7.detached）",
    ),
    ("The SES_Signature", "电子签章数据（SES_Signature）"),
    ("CMS SignedData", "CMS SignedData 签名"),
    (
        "The seal (GB/T 38540 or GM/T 0031 seal data)",
        "印章文件（GB/T 38540 或 GM/T 0031 印章数据）",
    ),
    (
        "The signer's certificate (listed in the seal)",
        "签章人证书（须列在印章中）",
    ),
    (
        "The signer's private key (PKCS#8 PEM)",
        "签章人私钥（PKCS#8 PEM）",
    ),
    ("The PDF to sign", "要签署的 PDF"),
    ("The signed PDF (a new file)", "签署后的 PDF（新文件）"),
    (
        "Stamp position: mm from the page's top edge",
        "印章位置：距页面上边缘的毫米数",
    ),
    ("No visible stamp", "不显示印章（不可见签名）"),
    (
        "Certify the document (DocMDP): 1 no later change, 2 form fill and signatures, 3 also annotations (only a document's first signature certifies)",
        "认证签名（DocMDP）：1 不允许其后任何修改，2 允许填写表单和签名，3 另允许注释（只有文档的第一个签名可作认证签名）",
    ),
    (
        "The signature field's name (default: eseal- and the signing time)",
        "签名域名称（默认为 eseal- 加签署时间）",
    ),
    (
        "Stamp position: mm from the page's left edge",
        "印章位置：距页面左边缘的毫米数",
    ),
    (
        "Stamp position: mm from the page's top edge (also the riding seal's height)",
        "印章位置：距页面上边缘的毫米数（骑缝章的高度也用它）",
    ),
    (
        "Centre the stamp on the first occurrence of this text in the pages",
        "把印章盖在页面中第一次出现此文字的位置",
    ),
    (
        "A riding seal (骑缝章) across the right edges of all pages",
        "骑缝章：盖在所有页面的右边缘",
    ),
    (
        "Play the holder's device for the external signer: sign the `to_be_signed` bytes the platform prepared (base64, from POST /api/v1/seals/{id}/sign/prepare) with the key file, and print the SM2 signature (base64 DER) for POST /api/v1/usages/{id}/finish",
        "扮演持有人的设备完成外部签名：用密钥文件签署平台准备的 to_be_signed（base64，来自 POST /api/v1/seals/{id}/sign/prepare），输出 SM2 签名值（base64 DER），用于 POST /api/v1/usages/{id}/finish",
    ),
    (
        "The device's private key (PKCS#8 PEM)",
        "设备私钥（PKCS#8 PEM）",
    ),
    (
        "The to_be_signed value, base64",
        "to_be_signed 的值（base64）",
    ),
    (
        "Sign a file: write the DER SES_Signature over its SM3 digest",
        "签署文件：对其 SM3 摘要写出 DER 编码的电子签章（SES_Signature）",
    ),
    (
        "propertyInfo (default: the input file name)",
        "propertyInfo（默认：输入文件名）",
    ),
    (
        "Must match the seal's version (the signature embeds the seal)",
        "须与印章版本一致（签章中包含印章）",
    ),
    (
        "Verify (验证): `eseal verify FILE` (an OFD, or a detached signature with --data), or `eseal verify data --sig … --in …`. Exit 0 all PASSED, 1 any FAILED, 2 INDETERMINATE",
        "验证：`eseal verify 文件`（OFD，或带 --data 的分离式签章），或 `eseal verify data --sig … --in …`。全部有效退出码 0，有无效的 1，不确定 2",
    ),
    (
        "The signed file: an OFD package, or a detached SES_Signature (with --data). Several files, or a directory (its OFD files), are verified one after another with a summary table (or one JSON line each with --json)",
        "签章文件：OFD，或分离式签章（带 --data）。给出多个文件或一个目录（其中的 OFD）时逐个验证并给出汇总表（--json 时每个文件一行 JSON）",
    ),
    (
        "The signed data, for a detached signature",
        "分离式签章所签署的数据文件",
    ),
    (
        "Verify as of this time (RFC 3339; default now): for the checks that have no signing time to go by",
        "按此时间验证（RFC 3339；默认现在）：用于没有签章时间可依据的检查",
    ),
    (
        "Also write a self-contained HTML report here",
        "另写出一份自包含的 HTML 报告",
    ),
    (
        "A seal transparency proof kept with the document (the answer of GET /api/v1/transparency/seals/{id}): each signature's seal must be proven in the log",
        "与文档一起保存的印章透明日志证明（GET /api/v1/transparency/seals/{id} 的应答）：每个签章的印章都须在日志中得到证明",
    ),
    (
        "The transparency log's public key (SPKI PEM, GET /api/v1/transparency/key)",
        "透明日志的公钥（SPKI PEM，GET /api/v1/transparency/key）",
    ),
    (
        "Also require the proof's checkpoint to be cosigned by this witness: NAME=KEY.pem (repeatable)",
        "另要求证明的检查点经此见证者联署：名称=公钥.pem（可重复）",
    ),
    (
        "Verify a detached signature over a file: exit 0 valid, 1 invalid, 2 indeterminate",
        "验证文件的分离式签章：有效 0，无效 1，不确定 2",
    ),
    ("Keys", "密钥"),
    (
        "Generate an SM2 key (PKCS#8 PEM, as `openssl genpkey -algorithm SM2` writes)",
        "生成 SM2 密钥（PKCS#8 PEM，与 `openssl genpkey -algorithm SM2` 相同格式）",
    ),
    (
        "The development CA (开发测试用 CA): SM2 root + issuing CA",
        "开发测试用 CA：SM2 根 CA 与签发 CA",
    ),
    (
        "Make DIR/root.pem, root.key, issuing.pem, issuing.key, crl.pem and ca.json",
        "生成 DIR/root.pem、root.key、issuing.pem、issuing.key、crl.pem 与 ca.json",
    ),
    (
        "Organisation name in the CA certificates",
        "CA 证书中的机构名称",
    ),
    (
        "CRL distribution point written into issued certificates",
        "写入所签发证书的 CRL 分发点",
    ),
    (
        "Sign certificates and CRLs with the GB/T 35276 SM2 ID 1234567812345678, as national CAs do, instead of the empty ID that OpenSSL 3 uses (stock `openssl verify` cannot check a chain of such certificates; eseal accepts both)",
        "按 GB/T 35276 用 SM2 标识 1234567812345678 签署证书与 CRL（与国家 CA 相同），而不是 OpenSSL 3 使用的空标识（原版 `openssl verify` 无法校验这样的证书链；eseal 两者都接受）",
    ),
    (
        "Issue PREFIX.pem (and PREFIX.key, unless --csr gives the key)",
        "签发 PREFIX.pem（及 PREFIX.key，除非由 --csr 给出密钥）",
    ),
    (
        "/C=CN/O=…/CN=… (default with --csr: the request's subject)",
        "/C=CN/O=…/CN=…（带 --csr 时默认为请求中的主体）",
    ),
    (
        "Certify the key of this PKCS#10 request instead of generating one",
        "为此 PKCS#10 请求中的密钥签发证书，而不是生成新密钥",
    ),
    (
        "Revoke a certificate and publish a new DIR/crl.pem",
        "吊销证书并发布新的 DIR/crl.pem",
    ),
    (
        "Publish a new CRL (default DIR/crl.pem)",
        "发布新的证书吊销列表（默认 DIR/crl.pem）",
    ),
    ("Certificates", "证书"),
    (
        "Validate a certificate's chain against a trust store: exit 0 valid, 1 invalid, 2 indeterminate",
        "按信任目录校验证书链：有效 0，无效 1，不确定 2",
    ),
    (
        "Directory of trust anchors (self-signed), intermediates and CRLs",
        "信任锚（自签名证书）、中间证书与吊销列表所在目录",
    ),
    (
        "Extra intermediate certificates (not trusted by themselves)",
        "额外的中间证书（本身不被信任）",
    ),
    ("Extra CRLs", "额外的证书吊销列表"),
    (
        "Validation time (RFC 3339; default now)",
        "校验时间（RFC 3339；默认现在）",
    ),
    (
        "Make a PKCS#10 request for an SM2 key, for an outside CA",
        "为 SM2 密钥生成 PKCS#10 证书请求，交外部 CA 签发",
    ),
    (
        "e.g. /C=CN/O=威海市某某有限公司/CN=威海市某某有限公司",
        "例如 /C=CN/O=威海市某某有限公司/CN=威海市某某有限公司",
    ),
    ("PKCS#12 files", "PKCS#12 文件"),
    (
        "Write PREFIX.key and PREFIX.pem from a PKCS#12 file",
        "从 PKCS#12 文件写出 PREFIX.key 与 PREFIX.pem",
    ),
    (
        "Seal impressions (印模): render the standard styles, compare two impressions",
        "印模：按标准样式生成，比对两个印模",
    ),
    (
        "Render a seal impression to SVG or PNG (by the extension of --out)",
        "生成印模，按 --out 的扩展名写成 SVG 或 PNG",
    ),
    (
        "The organisation name (round, oval) or the person's name (square, rect)",
        "单位名称（圆形、椭圆形）或人名（方形、长方形）",
    ),
    (
        "Text under the star (round) or at the bottom (oval), e.g. 合同专用章",
        "五角星下方（圆形）或底部（椭圆形）的文字，例如 合同专用章",
    ),
    (
        "The filing code (round, lower arc) or taxpayer ID (oval, middle)",
        "备案编码（圆形，下弧）或纳税人识别号（椭圆形，中间）",
    ),
    (
        "Size in mm: `42` (diameter / side) or `40x30` (width x height)",
        "尺寸（毫米）：`42`（直径/边长）或 `40x30`（宽x高）",
    ),
    (
        "阴文: white characters on red (square)",
        "阴文：红底白字（方形）",
    ),
    (
        "Aged / worn texture with this seed",
        "按此随机种子加上陈旧磨损效果",
    ),
    (
        "Font file (TTF/OTF/TTC); default $ESEAL_FONT, then the fonts-noto-cjk package",
        "字体文件（TTF/OTF/TTC）；默认 $ESEAL_FONT，其次 fonts-noto-cjk 软件包",
    ),
    (
        "Compare two impressions (PNG or JPEG): exit 0 match, 1 mismatch",
        "比对两个印模（PNG 或 JPEG）：一致 0，不一致 1",
    ),
    (
        "Run the seal registry service (HTTP API, filing worker); `--demo` for the demo data",
        "运行电子印章平台服务（HTTP 接口、备案任务）；`--demo` 载入演示数据",
    ),
    ("Address to listen on", "监听地址"),
    (
        "Data directory: the SQLite database, the data key, the development PKI",
        "数据目录：SQLite 数据库、数据密钥、开发测试用 PKI",
    ),
    (
        "PostgreSQL instead of SQLite, e.g. postgres://eseal@db/eseal (replicas may share it)",
        "用 PostgreSQL 代替 SQLite，例如 postgres://eseal@db/eseal（多个副本可共用）",
    ),
    (
        "The PostgreSQL schema for eseal's tables (created if missing)",
        "eseal 数据表所在的 PostgreSQL 模式（不存在时创建）",
    ),
    (
        "The police seal-management system's base URL; without it the simulator runs in-process",
        "公安印章管理系统的地址；不给出时在进程内运行模拟器",
    ),
    (
        "The agency's bearer token at the police system",
        "服务机构访问公安系统的令牌",
    ),
    (
        "The national government-service platform's base URL; without it the simulator runs in-process",
        "全国一体化政务服务平台的地址；不给出时在进程内运行模拟器",
    ),
    (
        "The agency's bearer token at the national platform",
        "服务机构访问全国平台的令牌",
    ),
    (
        "Demo: register the demo organisation's impression with the in-process police simulator",
        "演示：在进程内的公安模拟器中登记演示单位的印模",
    ),
    (
        "How often the filing (备案) worker runs, in milliseconds",
        "备案任务的运行间隔（毫秒）",
    ),
    (
        "How long a claimed filing waits before another attempt may take it, in seconds (must exceed one delivery attempt; tests shorten it)",
        "已领取的备案在多少秒后可被再次尝试（须长于一次投递；测试会缩短）",
    ),
    (
        "How old an unfinished signing intent (a crash between intent and signature) must be before recovery marks it aborted, in seconds. With replicas it must exceed the longest signing; a single server restarted after a crash may use 0",
        "未完成的签章意图（意图与签名之间崩溃）经过多少秒后由恢复任务标记为中止；多副本时须长于最长的签章，单台服务在崩溃后重启可用 0",
    ),
    (
        "A PKCS#11 module holding the key that wraps the data key, e.g. /usr/lib/softhsm/libsofthsm2.so; its user PIN is read from ESEAL_HSM_PIN",
        "保存数据密钥封装密钥的 PKCS#11 模块，例如 /usr/lib/softhsm/libsofthsm2.so；用户 PIN 从 ESEAL_HSM_PIN 读取",
    ),
    ("The token's label", "令牌（token）标签"),
    (
        "The key's label in the token (made on first start)",
        "令牌中密钥的标签（首次启动时生成）",
    ),
    (
        "Where signed audit-log checkpoints are written, outside the database (default DATA/audit-checkpoints; point it at another disk or a WORM mount)",
        "签名的审计日志检查点写到数据库之外的哪里（默认 DATA/audit-checkpoints；宜指向另一块磁盘或一次写入存储）",
    ),
    (
        "A witness to push every signed checkpoint to (`POST URL/add-checkpoint`, C2SP tlog-witness style); repeat for several",
        "把每个签名检查点推送给此见证者（`POST URL/add-checkpoint`，C2SP tlog-witness 方式）；多个时重复给出",
    ),
    (
        "Seconds between checkpoints while a log grows",
        "日志增长时两次检查点之间的秒数",
    ),
    (
        "A checkpoint as soon as a log has grown by this many entries",
        "日志增长这么多条目后立即生成检查点",
    ),
    (
        "Login attempts per minute from one client address (bursts of as many)",
        "每个客户端地址每分钟的登录次数（突发上限相同）",
    ),
    (
        "Online verifications per minute from one client address (bursts of a third)",
        "每个客户端地址每分钟的在线验证次数（突发上限为三分之一）",
    ),
    (
        "Requests per minute to the other public endpoints from one client address (bursts of a fifth)",
        "每个客户端地址每分钟对其他公开接口的请求数（突发上限为五分之一）",
    ),
    (
        "No request log (one JSON line per request on standard error: method, route, status, duration, user, client address; never a body or secret)",
        "不写请求日志（默认每个请求在标准错误输出一行 JSON：方法、路由、状态、耗时、用户、客户端地址；从不含请求体或机密）",
    ),
    (
        "A reverse proxy in front of the service: requests from it are attributed to the address its X-Forwarded-For names (repeat for several)",
        "服务前面的反向代理：来自它的请求按其 X-Forwarded-For 中的地址计算（多个时重复给出）",
    ),
    (
        "Run a connector simulator (police seal system, national platform)",
        "运行接口模拟器（公安印章系统、全国平台）",
    ),
    (
        "The police seal-management system (docs/connectors/police.md)",
        "公安印章管理系统（docs/connectors/police.md）",
    ),
    (
        "Keep what it receives in this JSON file across restarts",
        "把收到的数据保存在此 JSON 文件中，重启后保留",
    ),
    ("Require this bearer token", "要求此访问令牌"),
    (
        "Register the demo organisation's contract-seal impression",
        "登记演示单位的合同专用章印模",
    ),
    (
        "The national government-service platform (docs/connectors/national.md)",
        "全国一体化政务服务平台（docs/connectors/national.md）",
    ),
    (
        "The audit log: export with a signed checkpoint, verify offline",
        "审计日志：带签名检查点导出，离线校验",
    ),
    (
        "Write the audit log and a checkpoint signed with the audit key into a new directory",
        "把审计日志与用审计密钥签名的检查点写入一个新目录",
    ),
    (
        "The service's data directory (SQLite)",
        "服务的数据目录（SQLite）",
    ),
    ("Or its PostgreSQL database", "或其 PostgreSQL 数据库"),
    ("The PostgreSQL schema", "PostgreSQL 模式"),
    (
        "The audit signing key (SM2 PKCS#8 PEM)",
        "审计签名私钥（SM2 PKCS#8 PEM）",
    ),
    ("The log's name in the checkpoint", "检查点中的日志名称"),
    (
        "The public key of the service's log key (default: DATA/pki/audit-key.pem with --data, else the public half of --key)",
        "服务日志密钥的公钥（默认：有 --data 时为 DATA/pki/audit-key.pem，否则为 --key 的公钥）",
    ),
    (
        "The service's checkpoint directory (default: DATA/audit-checkpoints with --data)",
        "服务的检查点目录（默认：有 --data 时为 DATA/audit-checkpoints）",
    ),
    ("The directory to create", "要创建的目录"),
    (
        "Retention: archive the entries older than --before (at least 180 days ago). A signed export of the whole log is written to --export and checked first; the archived entries' rows are then removed, their leaf hashes kept (later exports and checkpoints still verify), and the archiving is itself audited",
        "保留期：归档早于 --before（至少 180 天前）的条目。先把整个日志的签名导出写入 --export 并校验；然后删除被归档条目的行、保留其叶哈希（以后的导出与检查点仍可校验），归档本身也记入审计",
    ),
    (
        "Archive the entries before this time (RFC 3339)",
        "归档此时间之前的条目（RFC 3339）",
    ),
    (
        "The directory to create for the export kept with the archive",
        "为随归档保存的导出创建的目录",
    ),
    (
        "Search the audit log: by time, actor, seal and event; one entry per line (or JSON)",
        "查询审计日志：按时间、操作者、印章与事件；每行一条（或 JSON）",
    ),
    (
        "At or after (RFC 3339, e.g. 2026-11-01T00:00:00+08:00)",
        "不早于（RFC 3339，例如 2026-11-01T00:00:00+08:00）",
    ),
    ("At or before (RFC 3339)", "不晚于（RFC 3339）"),
    (
        "This user (or `system`, `anonymous`)",
        "此用户（或 `system`、`anonymous`）",
    ),
    (
        "Everything about this seal: its record, key, filings, uses, use requests, PIN resets and scope",
        "与此印章有关的一切：记录、密钥、备案、用印、用印申请、口令重置与授权范围",
    ),
    (
        "Events starting with this (`auth.login`, `seals.`, `usages.`)",
        "以此开头的事件（`auth.login`、`seals.`、`usages.`）",
    ),
    ("Most entries shown", "最多显示的条目数"),
    (
        "JSON lines (the entries' canonical form)",
        "JSON 行（条目的规范形式）",
    ),
    (
        "Recompute an export offline: entries well-formed and numbered without gaps, the tree's root equal to the signed checkpoint's, and (with --checkpoint) the log an extension of an earlier checkpoint. Exit 0 when all holds; 1 naming the first bad entry otherwise",
        "离线重算一份导出：条目格式正确、编号连续，树根与签名检查点一致，（带 --checkpoint 时）日志是早先检查点的延续。全部成立退出码 0，否则 1 并指出第一个错误条目",
    ),
    ("The export directory", "导出目录"),
    ("The log's public key (SPKI PEM)", "日志的公钥（SPKI PEM）"),
    ("The log's name", "日志名称"),
    (
        "An earlier checkpoint kept outside the database (truncation and rewrites show)",
        "保存在数据库之外的早先检查点（可发现截断与改写）",
    ),
    (
        "Trust directories for offline verification: fetch a registry's certificates and CRLs",
        "离线验证用的信任目录：获取平台的证书与吊销列表",
    ),
    (
        "Fetch a registry's certificates and CRLs (GET URL/api/v1/pki) into DIR, a ready `--trust` directory for verifying its documents offline. DIR must not exist; with --update an existing one gets the current CRLs, after checking that the certificates are still the ones it holds",
        "把平台的证书与吊销列表（GET URL/api/v1/pki）取到 DIR，得到可直接用于 `--trust` 离线验证其文档的目录。DIR 不得已存在；带 --update 时在确认证书未变后更新已有目录中的吊销列表",
    ),
    (
        "The registry's base URL, e.g. https://eseal.example.gov.cn",
        "平台地址，例如 https://eseal.example.gov.cn",
    ),
    ("The directory to write", "要写出的目录"),
    (
        "Refresh the CRLs of an existing directory",
        "更新已有目录中的吊销列表",
    ),
    (
        "Accounts: what an operator on the server does when no administrator can log in",
        "账户：没有管理员能登录时，服务器上的运维人员可做的操作",
    ),
    (
        "Unlock an account locked after failed logins (audited as done by the operator)",
        "解锁因登录失败而锁定的账户（记入审计，操作者为运维人员）",
    ),
    ("The user name", "用户名"),
    (
        "A lost password or authenticator (the administrator's, say): a new one-time password and TOTP secret, printed once; the user's sessions end. Audited as done by the operator. Needs the data key: give the data directory (with PostgreSQL also --database; with an HSM, ESEAL_DATA_KEY cannot be used: run it where the service runs)",
        "口令或动态口令设备丢失（例如管理员的）：生成新的一次性口令与 TOTP 密钥，只显示一次；该用户的会话结束。记入审计，操作者为运维人员。需要数据密钥：给出数据目录（使用 PostgreSQL 时另给 --database；使用 HSM 时请在服务所在机器上运行）",
    ),
    (
        "The service's data directory (its data key, and its SQLite database unless --database is given)",
        "服务的数据目录（其数据密钥；未给 --database 时也是其 SQLite 数据库）",
    ),
    (
        "The PostgreSQL database, when the service uses one",
        "服务使用的 PostgreSQL 数据库",
    ),
    (
        "The public seal transparency log: monitor a registry's log",
        "公开的印章透明日志：监控平台的日志",
    ),
    (
        "Follow a registry's public seal log like a Certificate Transparency monitor: fetch the latest signed checkpoint and every entry since the last run, check that the entries lead to the checkpoint's root from the leaves kept in --state (so the history seen before was not rewritten), print the new entries (or only those of --seal). Exit 0 consistent, 1 what is wrong",
        "像证书透明监控那样跟踪平台的公开印章日志：获取最新签名检查点及上次以来的所有条目，从 --state 中保存的叶子出发校验条目能得到检查点的根（此前看到的历史未被改写），输出新条目（或只输出 --seal 的条目）。一致退出码 0，否则 1 并说明问题",
    ),
    (
        "The registry (e.g. http://127.0.0.1:8080)",
        "平台地址（例如 http://127.0.0.1:8080）",
    ),
    (
        "The log key (SPKI PEM), obtained out of band; never taken from the registry",
        "日志公钥（SPKI PEM），须通过其他渠道获得，不从平台取",
    ),
    (
        "A directory the monitor keeps its state in (the last checkpoint, the leaf hashes)",
        "监控保存状态的目录（上一个检查点、叶哈希）",
    ),
    ("Only print the entries of this seal", "只输出此印章的条目"),
    (
        "The HSM (PKCS#11) that holds the platform's key-encryption key",
        "保存平台密钥加密密钥的 HSM（PKCS#11）",
    ),
    (
        "Log in, find the key-encryption key and print its protection attributes (JSON)",
        "登录令牌，找到密钥加密密钥并输出其保护属性（JSON）",
    ),
    (
        "Print the current TOTP code for a base32 secret (demo logins)",
        "输出 base32 密钥当前的动态口令（演示登录用）",
    ),
    (
        "The base32 secret printed at enrolment",
        "注册时显示的 base32 密钥",
    ),
    (
        "Measure SM2 sign/verify and SM3 throughput (used by scripts/bench-crypto.sh)",
        "测量 SM2 签名/验签与 SM3 的速度（scripts/bench-crypto.sh 使用）",
    ),
    ("Seconds per measurement", "每项测量的秒数"),
    ("Print help", "显示帮助"),
    (
        "Print help (see more with '--help')",
        "显示帮助（-h 显示摘要，--help 显示详情）",
    ),
    (
        "Print help (see a summary with '-h')",
        "显示帮助（-h 显示摘要，--help 显示详情）",
    ),
    ("Print version", "显示版本"),
    (
        "Print this message or the help of the given subcommand(s)",
        "显示此信息或指定子命令的帮助",
    ),
];

/// Options without a text of their own, by name.
pub const BY_NAME: &[(&str, &str)] = &[
    ("out", "输出文件"),
    ("json", "以 JSON 输出"),
    ("dir", "目录"),
    ("cert", "证书文件（PEM 或 DER）"),
    ("kind", "类型"),
    ("key", "私钥文件（PKCS#8 PEM）"),
    ("file", "印章或签章文件"),
    ("listen", "监听地址"),
    ("input", "输入文件"),
    ("width_mm", "宽度（毫米）"),
    ("height_mm", "高度（毫米）"),
    ("valid_from", "有效期起（RFC 3339；默认取签章者证书的）"),
    ("valid_to", "有效期止（RFC 3339；默认取签章者证书的）"),
    (
        "style",
        "样式：round（圆形）、oval（椭圆形）、square（方形）、rect（长方形）",
    ),
    ("sig", "分离式签章文件"),
    ("serial", "证书序列号（十六进制）"),
    ("seal", "印章文件"),
    ("reason", "原因"),
    ("purpose", "用途"),
    ("password", "PKCS#12 文件的口令"),
    ("name", "印章名称"),
    ("maker_key", "制章者私钥"),
    ("maker_cert", "制章者证书"),
    ("format", "印章格式：v1、v4（默认）或 v5"),
    ("dpi", "分辨率（每英寸点数）"),
    ("days", "有效天数"),
    ("a", "第一个印模"),
    ("b", "第二个印模"),
];

/// `cmd` with its texts (and its subcommands') in Chinese. The command is built first, so that
/// the help and version options and the `help` subcommand clap adds are there to translate.
pub fn chinese(mut cmd: clap::Command) -> clap::Command {
    cmd.build();
    translate(cmd)
}

fn translate(mut cmd: clap::Command) -> clap::Command {
    let zh = crate::help_zh_ops::zh;
    if let Some(t) = cmd.get_about().map(|a| a.to_string()).and_then(|a| zh(&a)) {
        cmd = cmd.about(t).long_about(None::<&str>);
    }
    let args: Vec<(String, String)> = cmd
        .get_arguments()
        .map(|a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            let text = if help.is_empty() {
                BY_NAME
                    .iter()
                    .find(|(n, _)| *n == a.get_id())
                    .map(|(_, t)| *t)
            } else {
                zh(&help)
            };
            let mut text = text.map(str::to_owned).unwrap_or(help);
            // clap writes "[default: …]" and "Possible values:" in English: say them here.
            if a.get_action().takes_values() {
                let defaults: Vec<String> = a
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                if !defaults.is_empty() {
                    text += &format!(" [默认：{}]", defaults.join("、"));
                }
                let values: Vec<String> = a
                    .get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| match v.get_help() {
                        Some(h) => format!("{}（{h}）", v.get_name()),
                        None => v.get_name().to_owned(),
                    })
                    .collect();
                if !values.is_empty() {
                    text += &format!(" [可选值：{}]", values.join("、"));
                }
            }
            (a.get_id().to_string(), text)
        })
        .collect();
    for (id, text) in args {
        cmd = cmd.mut_arg(id, |a| {
            let a = a
                .help(text)
                .long_help(None::<&str>)
                .hide_default_value(true)
                .hide_possible_values(true);
            if a.is_positional() {
                a.help_heading("参数")
            } else {
                a.help_heading("选项")
            }
        });
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, translate);
    }
    cmd.subcommand_help_heading("命令")
        .help_template("{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
}

/// A command-line parse error in Chinese: what was wrong and where, the usage line and where to
/// find help (clap writes its errors in English only).
pub fn error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join("、")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::StyledStrs(v)) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("、"),
        ),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg).unwrap_or_default();
    let value = text(ContextKind::InvalidValue).unwrap_or_default();
    let mut out = String::from("错误：");
    out += &match e.kind() {
        ErrorKind::UnknownArgument => format!("不认识的参数 '{arg}'"),
        ErrorKind::InvalidSubcommand => format!(
            "不认识的子命令 '{}'",
            text(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingSubcommand => format!(
            "'{}' 需要一个子命令",
            text(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::InvalidValue if value.is_empty() => format!("参数 '{arg}' 需要一个值"),
        ErrorKind::InvalidValue => format!("参数 '{arg}' 的值 '{value}' 无效"),
        ErrorKind::ValueValidation => match std::error::Error::source(e).map(|w| w.to_string()) {
            // The standard library's number parsers are the only validators used.
            Some(why)
                if why.contains("float") || why.contains("digit") || why.contains("number") =>
            {
                format!("参数 '{arg}' 的值 '{value}' 无效：须为数字")
            }
            Some(why) => format!("参数 '{arg}' 的值 '{value}' 无效（{why}）"),
            None => format!("参数 '{arg}' 的值 '{value}' 无效"),
        },
        ErrorKind::ArgumentConflict => match text(ContextKind::PriorArg) {
            Some(prior) if prior != arg => format!("参数 '{arg}' 不能与 '{prior}' 同时使用"),
            _ => format!("参数 '{arg}' 只能给出一次"),
        },
        ErrorKind::TooManyValues => format!("参数 '{arg}' 多出了值 '{value}'"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 '{arg}' 的值的个数不对")
        }
        ErrorKind::NoEquals => format!("参数 '{arg}' 的值须用等号给出"),
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_owned(),
        _ => format!("命令行有误（{}）", e.kind()),
    };
    if let Some(valid) = text(ContextKind::ValidValue) {
        out += &format!("\n  可选值：{valid}");
    }
    if let Some(valid) = text(ContextKind::ValidSubcommand) {
        out += &format!("\n  可用的子命令：{valid}");
    }
    for kind in [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ] {
        if let Some(s) = text(kind) {
            out += &format!("\n\n  提示：是否要用 '{s}'？");
        }
    }
    if let Some(usage) = text(ContextKind::Usage) {
        out += &format!("\n\n{}", usage.replacen("Usage: ", "用法：", 1));
    }
    out += "\n\n更多信息请用 '--help'。\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        if let Some(about) = cmd.get_about().map(|a| a.to_string())
            && crate::help_zh_ops::zh(&about).is_none()
        {
            missing.push(format!("{path}: {about}"));
        }
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            match a.get_help().map(|h| h.to_string()) {
                Some(help) if !help.is_empty() => {
                    if crate::help_zh_ops::zh(&help).is_none() {
                        missing.push(format!("{path} --{id}: {help}"));
                    }
                }
                _ => {
                    if !BY_NAME.iter().any(|(n, _)| *n == id) {
                        missing.push(format!("{path} --{id}: (no text)"));
                    }
                }
            }
        }
        for s in cmd.get_subcommands() {
            walk(s, &format!("{path} {}", s.get_name()), missing);
        }
    }

    /// Every command's and option's text has its Chinese, so `--help` is never half English.
    #[test]
    fn every_help_text_has_its_chinese() {
        use clap::CommandFactory;
        let mut cmd = crate::Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "eseal", &mut missing);
        assert!(
            missing.is_empty(),
            "no Chinese for:\n{}",
            missing.join("\n")
        );
    }

    /// Parse errors come in Chinese, with what was wrong and the usage.
    #[test]
    fn parse_errors_in_chinese() {
        use clap::CommandFactory;
        let cmd = chinese(crate::Cli::command());
        let e = cmd
            .clone()
            .try_get_matches_from(["eseal", "seal", "verify", "--bogus", "x"])
            .expect_err("an unknown option");
        let msg = error(&e);
        assert!(msg.starts_with("错误：不认识的参数 '--bogus'"), "{msg}");
        assert!(msg.contains("用法："), "{msg}");
        let e = cmd
            .try_get_matches_from(["eseal", "impression", "render", "--style", "hexagon"])
            .expect_err("a bad value");
        let msg = error(&e);
        assert!(msg.contains("'hexagon' 无效"), "{msg}");
        assert!(msg.contains("可选值："), "{msg}");
    }
}
