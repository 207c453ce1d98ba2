//! More of `--help` in Chinese (see help_zh.rs, whose table is full): the operator's
//! commands added since — backups and their schedule, the deadlines of reading a request.

/// English (as in the doc comments) → Chinese.
pub const TEXTS: &[(&str, &str)] = &[
    (
        "Backups: make a key, back up while running, verify offline, restore into an empty target",
        "备份：生成备份密钥，在服务运行时备份，离线验证，恢复到空的目标",
    ),
    (
        "Make a new backup key (a new file, never over one); keep it away from the service's machine",
        "生成新的备份密钥（写入新文件，从不覆盖）；请保存在服务器以外的地方",
    ),
    ("The key file to write", "要写出的密钥文件"),
    (
        "Back up the installation while it runs: database, keys, PKI and checkpoints in one encrypted, signed archive",
        "在服务运行时备份整个安装：数据库、密钥、PKI 和检查点写入一个加密并签名的归档",
    ),
    (
        "The service's data directory (keys, PKI, and the SQLite database unless --database)",
        "服务的数据目录（密钥、PKI，未给 --database 时还有 SQLite 数据库）",
    ),
    (
        "The service's PostgreSQL database, when it uses one",
        "服务使用的 PostgreSQL 数据库（如有）",
    ),
    (
        "The service's checkpoint directory (--audit-checkpoints; default DATA/audit-checkpoints)",
        "服务的检查点目录（--audit-checkpoints；默认 DATA/audit-checkpoints）",
    ),
    (
        "The backup key file (made by `eseal backup key`)",
        "备份密钥文件（由 `eseal backup key` 生成）",
    ),
    (
        "The archive to write, or a directory to write eseal-<time>.esbk into (never overwrites)",
        "要写出的归档文件，或写入 eseal-<时间>.esbk 的目录（从不覆盖）",
    ),
    (
        "Check an archive offline: every digest, the database copy, both logs' roots and the signature",
        "离线验证归档：每个摘要、数据库副本、两个日志的根哈希和签名",
    ),
    ("The archive", "归档文件"),
    (
        "The registry's log public key (PEM) to check the signature with (default: the archive's own, said as such)",
        "用来验证签名的登记库日志公钥（PEM；默认用归档自带的公钥，并如实说明）",
    ),
    (
        "Restore an archive into an empty data directory (and an empty database with --database)",
        "把归档恢复到空的数据目录（给出 --database 时还恢复到空的数据库）",
    ),
    (
        "The data directory to restore into (absent or empty)",
        "要恢复到的数据目录（须不存在或为空）",
    ),
    (
        "A PostgreSQL database to restore the records into (empty); default: SQLite in --data",
        "要把记录恢复到的 PostgreSQL 数据库（须为空）；默认是 --data 中的 SQLite",
    ),
    (
        "Scheduled backups: the directory the archives go to (another disk; needs --backup-key)",
        "计划备份：归档写入的目录（另一块磁盘；须同时给出 --backup-key）",
    ),
    (
        "How often a scheduled backup is made: 30m, 6h, 1d",
        "计划备份的间隔：30m、6h、1d 等",
    ),
    (
        "How many scheduled backups are kept (the newest)",
        "保留多少份计划备份（保留最新的）",
    ),
    (
        "The backup key of scheduled backups (made by `eseal backup key`)",
        "计划备份使用的备份密钥（由 `eseal backup key` 生成）",
    ),
    (
        "Go on from a database older than its exported checkpoints (restored from an older backup): the audit log's size the refusal named; recorded in the audit log",
        "从比已导出检查点更旧的数据库继续运行（从较旧的备份恢复后）：填拒绝启动时提示的审计日志条数；此操作记入审计日志",
    ),
    (
        "Why the rollback is accepted (kept in the audit log)",
        "接受回退的原因（记入审计日志）",
    ),
    (
        "Or the backup key's shares, from its custodians (repeat: as many as the threshold)",
        "或者备份密钥的份额，由各保管人提供（可重复：给出门限所需的份数）",
    ),
    (
        "Split a key file (the backup key, or DATA/keys/data.key) among named custodians: any THRESHOLD of the shares give it back",
        "把密钥文件（备份密钥或 DATA/keys/data.key）拆分给指定的保管人：任意 THRESHOLD 份即可合成",
    ),
    ("The key file to split", "要拆分的密钥文件"),
    (
        "How many shares are needed to give the key back",
        "合成密钥需要的份数（门限）",
    ),
    (
        "A custodian's name (repeat: one share each)",
        "保管人姓名（可重复：每人一份）",
    ),
    (
        "The directory to write the shares into (new files share-N.txt; print each, hand it over sealed, then delete it)",
        "写出份额的目录（新文件 share-N.txt；逐份打印、密封交给保管人后删除）",
    ),
    (
        "The service's data directory, to audit the ceremony in its log (SQLite)",
        "服务的数据目录，用于把本次密钥仪式记入审计日志（SQLite）",
    ),
    ("Or its PostgreSQL database", "或者服务的 PostgreSQL 数据库"),
    (
        "Join custodians' shares back into the key file (a new file)",
        "把保管人的份额合成为密钥文件（写入新文件）",
    ),
    (
        "A share file (repeat: as many as the threshold)",
        "份额文件（可重复：给出门限所需的份数）",
    ),
    (
        "Rotate the data key without downtime, in three steps: add (a new key; then restart the servers one by one), rewrap (everything sealed again under it, while running), retire (the old key removed once nothing uses it)",
        "不停机更换数据密钥，分三步：add（追加新密钥，然后逐台重启服务）、rewrap（运行中把所有密文改由新密钥加密）、retire（没有记录再用旧密钥后将其移除）",
    ),
    ("add, rewrap or retire", "add、rewrap 或 retire"),
    (
        "The service's data directory (keys/data.key; the SQLite database unless --database)",
        "服务的数据目录（keys/data.key；未给 --database 时还有 SQLite 数据库）",
    ),
    (
        "Rotate the key-encryption key: wrap the data key (DATA/keys/data.key.hsm) again under a new key in the token; then start the servers with --hsm-key-label NEW",
        "更换密钥加密密钥：用令牌中的新密钥重新包装数据密钥（DATA/keys/data.key.hsm）；此后以 --hsm-key-label 新标签 启动服务",
    ),
    (
        "The label of the new key-encryption key (made in the token if missing)",
        "新的密钥加密密钥的标签（令牌中没有则创建）",
    ),
    ("The service's data directory", "服务的数据目录"),
    (
        "The service's PostgreSQL database, to audit the ceremony there (default: SQLite in --data)",
        "服务的 PostgreSQL 数据库，用于记录本次密钥仪式（默认为 --data 中的 SQLite）",
    ),
    (
        "The log key before a rotation (SPKI PEM): the checkpoint kept from earlier runs may be signed by it; the registry's must be signed by --key",
        "日志密钥更换前的公钥（SPKI PEM）：此前运行保存的检查点可以是它签署的；登记系统当前的检查点必须由 --key 签署",
    ),
    (
        "Rotate the log key (checkpoints, backup manifests), with the service stopped: the latest checkpoints are signed by the old and the new key (the handover), then the new key is used",
        "更换日志密钥（检查点与备份清单的签名密钥），须先停止服务：最新的检查点由新旧密钥共同签署（交接），此后使用新密钥",
    ),
    (
        "Seconds a client has to send a request's header lines (also how long an idle keep-alive connection stays open)",
        "客户端发送请求头的时限（秒；也是空闲的长连接保持打开的最长时间）",
    ),
    (
        "Seconds a request body may pause before the request is answered 408",
        "请求体传输中可停顿的秒数，超过即回答 408",
    ),
    (
        "KiB per second a request body must arrive at, on average, after its first 30 s",
        "请求体在开头 30 秒之后须达到的平均速度（KiB/秒）",
    ),
    (
        "Connections at once from one client address (a --trusted-proxy is not bounded)",
        "同一客户端地址同时可有的连接数（--trusted-proxy 给出的代理不受此限）",
    ),
    (
        "Connections at once in all (lowered to fit the file descriptor limit)",
        "全部客户端同时可有的连接数（超出文件描述符上限时自动调低）",
    ),
];

/// The Chinese of an English help text, from either table.
pub fn zh(text: &str) -> Option<&'static str> {
    crate::help_zh::TEXTS
        .iter()
        .chain(TEXTS)
        .find(|(en, _)| *en == text)
        .map(|(_, zh)| *zh)
}
