//! The one safety classifier: is a step read-only, mutating or destructive? `show`, `lint` and
//! `run` all ask here, so a command is never judged two ways.
//!
//! It reads the command the way a cautious responder would: each simple command's program
//! (looking through `sudo`, `env`, `timeout`, `xargs`, `docker exec`, `sh -c '…'`…) and its
//! arguments, output redirections, SQL and Redis verbs anywhere in the text, and the bodies of
//! heredocs and `$(…)`. Anything it does not recognise is read-only; when two rules match, the
//! more dangerous class wins.

use std::fmt;

use serde::Serialize;

use super::script::{self, Token};

/// How much a step can change the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Safety {
    /// Only looks.
    ReadOnly,
    /// Changes something that can be put back.
    Mutating,
    /// Deletes, stops, kills, blocks or overwrites.
    Destructive,
}

impl Safety {
    /// Parses `read-only`, `mutating` or `destructive`.
    pub fn parse(text: &str) -> Option<Safety> {
        match text.trim().to_ascii_lowercase().as_str() {
            "read-only" | "readonly" | "read_only" => Some(Safety::ReadOnly),
            "mutating" => Some(Safety::Mutating),
            "destructive" => Some(Safety::Destructive),
            _ => None,
        }
    }

    /// The name shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Safety::ReadOnly => "read-only",
            Safety::Mutating => "mutating",
            Safety::Destructive => "destructive",
        }
    }
}

impl fmt::Display for Safety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How deep `sh -c '…'` and friends are followed.
const MAX_NESTING: usize = 8;

/// Classifies shell text (and, for a `run=` fence, the block fed to it on `stdin`).
pub fn classify(script: &str, stdin: Option<&str>) -> Safety {
    let mut class = classify_shell(script, 0);
    if let Some(body) = stdin {
        class = class.max(classify_text(body));
    }
    class
}

/// Classifies shell text the caller has already read with [`script::lex`].
pub(crate) fn classify_lexed(text: &str, lexed: &script::Lexed) -> Safety {
    classify_read(text, lexed, 0)
}

fn classify_shell(text: &str, nesting: usize) -> Safety {
    classify_read(text, &script::lex(text), nesting)
}

fn classify_read(text: &str, lexed: &script::Lexed, nesting: usize) -> Safety {
    let mut class = classify_tokens(text, &lexed.tokens, nesting);
    for sub in &lexed.substitutions {
        class = class.max(classify_tokens(text, sub, nesting));
    }
    class
}

fn classify_tokens(text: &str, tokens: &[Token], nesting: usize) -> Safety {
    let mut class = Safety::ReadOnly;
    for command in script::simple_commands(tokens) {
        let mut words: Vec<&str> = Vec::new();
        let mut redirect: Option<&str> = None;
        for token in command {
            match token {
                Token::Word { cooked, .. } => match redirect.take() {
                    Some(op) => class = class.max(redirection(op, cooked)),
                    None => words.push(cooked),
                },
                Token::Redirect { op, .. } => redirect = Some(op),
                Token::Heredoc { body, .. } => {
                    class = class.max(classify_text(text.get(body.clone()).unwrap_or("")));
                }
                _ => {}
            }
        }
        class = class.max(program(&words, nesting));
    }
    class
}

fn redirection(op: &str, target: &str) -> Safety {
    let harmless = target.starts_with("/dev/") || target.starts_with('&') || target == "-";
    // The evidence directory only ever receives new files.
    let evidence = target.starts_with("$EVIDENCE_DIR") || target.starts_with("${EVIDENCE_DIR}");
    match op {
        ">" | ">|" | "&>" if evidence => Safety::Mutating,
        ">" | ">|" | "&>" if !harmless => Safety::Destructive,
        ">>" | "&>>" | "<>" if !harmless => Safety::Mutating,
        _ => Safety::ReadOnly,
    }
}

/// SQL and Redis verbs found anywhere in free text (heredocs, `run=` bodies, quoted args).
fn classify_text(text: &str) -> Safety {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut class = Safety::ReadOnly;
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        class = class.max(match (*w, next) {
            ("DELETE", "FROM") | ("DROP", _) | ("TRUNCATE", _) | ("VACUUM", _) => {
                Safety::Destructive
            }
            ("FLUSHDB" | "FLUSHALL", _) => Safety::Destructive,
            ("UPDATE", _) if words[i + 1..].contains(&"SET") => Safety::Mutating,
            ("INSERT", "INTO")
            | ("ALTER", "TABLE")
            | ("CREATE", "TABLE" | "INDEX" | "USER" | "ROLE") => Safety::Mutating,
            ("GRANT" | "REVOKE" | "REINDEX" | "REKEY", _) => Safety::Mutating,
            _ => Safety::ReadOnly,
        });
    }
    class
}

/// Classifies one simple command from its words (quotes already removed).
fn program(words: &[&str], nesting: usize) -> Safety {
    let keywords = words
        .iter()
        .take_while(|w| {
            matches!(
                **w,
                "if" | "then"
                    | "else"
                    | "elif"
                    | "do"
                    | "while"
                    | "until"
                    | "!"
                    | "{"
                    | "}"
                    | "time"
                    | "("
            )
        })
        .count();
    let words = skip_assignments(&words[keywords..]);
    let Some((&first, args)) = words.split_first() else {
        return Safety::ReadOnly;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    let text_class = args
        .iter()
        .map(|a| classify_text_arg(name, a))
        .max()
        .unwrap_or(Safety::ReadOnly);
    let has = |flag: &str| args.contains(&flag);
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .copied()
        .unwrap_or("");
    let class =
        match name {
            // Wrappers: judge what they run.
            "sudo" | "doas" | "env" | "nohup" | "time" | "nice" | "ionice" | "stdbuf"
            | "timeout" | "watch" | "xargs" | "command" | "exec" | "chroot" | "setsid"
            | "flock" | "unbuffer" => {
                let rest = skip_options(name, args);
                if nesting < MAX_NESTING {
                    program(rest, nesting + 1)
                } else {
                    Safety::Mutating
                }
            }
            "sh" | "bash" | "zsh" | "dash" | "ksh" => match args.iter().position(|a| *a == "-c") {
                Some(p) if nesting < MAX_NESTING => args
                    .get(p + 1)
                    .map_or(Safety::ReadOnly, |s| classify_shell(s, nesting + 1)),
                _ => Safety::ReadOnly,
            },
            "ssh" => {
                let rest = args
                    .iter()
                    .skip_while(|a| a.starts_with('-'))
                    .skip(1)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                if nesting < MAX_NESTING {
                    classify_shell(&rest, nesting + 1)
                } else {
                    Safety::Mutating
                }
            }
            "rm" | "rmdir" | "shred" | "truncate" | "unlink" | "wipefs" | "fdisk" | "parted"
            | "sfdisk" | "kill" | "pkill" | "killall" | "skill" | "reboot" | "shutdown"
            | "halt" | "poweroff" | "userdel" | "groupdel" | "ifdown" => Safety::Destructive,
            n if n.starts_with("mkfs") => Safety::Destructive,
            "dd" if args.iter().any(|a| a.starts_with("of=")) => Safety::Destructive,
            "find"
                if has("-delete")
                    || args.windows(2).any(|w| {
                        w[0].starts_with("-exec") && matches!(w[1], "rm" | "shred" | "truncate")
                    }) =>
            {
                Safety::Destructive
            }
            "systemctl" => match sub {
                "stop" | "restart" | "kill" | "disable" | "mask" | "isolate" | "poweroff"
                | "reboot" | "halt" | "try-restart" | "reload-or-restart" => Safety::Destructive,
                "start" | "enable" | "reload" | "edit" | "daemon-reload" | "set-property"
                | "unmask" | "reset-failed" | "revert" | "link" => Safety::Mutating,
                _ => Safety::ReadOnly,
            },
            "service" => match args.get(1).copied().unwrap_or("") {
                "stop" | "restart" | "force-reload" => Safety::Destructive,
                "start" | "reload" => Safety::Mutating,
                _ => Safety::ReadOnly,
            },
            "docker" | "podman" | "nerdctl" => container(args, nesting),
            "docker-compose" => compose(args),
            "kubectl" | "oc" => match sub {
                "delete" | "drain" | "replace" => Safety::Destructive,
                "rollout" if has("restart") => Safety::Destructive,
                "apply" | "create" | "patch" | "scale" | "cordon" | "uncordon" | "edit"
                | "label" | "annotate" | "set" | "rollout" | "expose" | "autoscale" | "taint"
                | "cp" => Safety::Mutating,
                "exec" => match args.iter().position(|a| *a == "--") {
                    Some(p) if nesting < MAX_NESTING => program(&args[p + 1..], nesting + 1),
                    _ => Safety::Mutating,
                },
                _ => Safety::ReadOnly,
            },
            "iptables" | "ip6tables" | "iptables-legacy" | "iptables-nft" => {
                let changes = [
                    "-A",
                    "-I",
                    "-D",
                    "-R",
                    "-F",
                    "-X",
                    "-P",
                    "-N",
                    "-Z",
                    "--append",
                    "--insert",
                    "--delete",
                    "--replace",
                    "--flush",
                    "--policy",
                ];
                if args.iter().any(|a| changes.contains(a)) {
                    Safety::Destructive
                } else {
                    Safety::ReadOnly
                }
            }
            "iptables-restore" | "ip6tables-restore" => Safety::Destructive,
            "nft" => match args
                .iter()
                .find(|a| !a.starts_with('-'))
                .copied()
                .unwrap_or("")
            {
                "add" | "insert" | "delete" | "flush" | "replace" | "destroy" | "create"
                | "reset" => Safety::Destructive,
                _ if has("-f") => Safety::Destructive,
                _ => Safety::ReadOnly,
            },
            "ufw" => match sub {
                "deny" | "reject" | "delete" | "reset" | "disable" | "enable" | "limit"
                | "insert" => Safety::Destructive,
                "allow" | "reload" | "route" => Safety::Mutating,
                _ => Safety::ReadOnly,
            },
            "firewall-cmd"
                if args.iter().any(|a| {
                    a.starts_with("--add")
                        || a.starts_with("--remove")
                        || a.starts_with("--reload")
                        || a.starts_with("--panic")
                }) =>
            {
                Safety::Destructive
            }
            "ip" => {
                let verb_down = has("down") || has("del") || has("delete") || has("flush");
                let changes =
                    has("add") || has("set") || has("change") || has("replace") || has("up");
                if verb_down {
                    Safety::Destructive
                } else if changes {
                    Safety::Mutating
                } else {
                    Safety::ReadOnly
                }
            }
            "nmcli" if has("down") || has("disconnect") || has("delete") => Safety::Destructive,
            "nmcli" if has("up") || has("modify") || has("add") => Safety::Mutating,
            "redis-cli" => redis(args),
            "git" => match sub {
                "reset" if has("--hard") => Safety::Destructive,
                "clean" => Safety::Destructive,
                "push" if args.iter().any(|a| a.starts_with("--force") || *a == "-f") => {
                    Safety::Destructive
                }
                "push" | "commit" | "checkout" | "switch" | "merge" | "rebase" | "pull"
                | "stash" | "tag" | "am" | "apply" | "revert" | "restore" => Safety::Mutating,
                _ => Safety::ReadOnly,
            },
            "rsync"
                if args
                    .iter()
                    .any(|a| a.starts_with("--delete") || *a == "--remove-source-files") =>
            {
                Safety::Destructive
            }
            "journalctl" if args.iter().any(|a| a.starts_with("--vacuum")) => Safety::Destructive,
            "journalctl" if has("--rotate") || has("--flush") => Safety::Mutating,
            "crontab" if has("-r") => Safety::Destructive,
            "crontab" if has("-e") || args.iter().any(|a| !a.starts_with('-')) => Safety::Mutating,
            "nginx" | "apachectl" | "apache2ctl" | "httpd" => {
                match args.windows(2).find(|w| w[0] == "-s").map(|w| w[1]) {
                    Some("stop" | "quit") => Safety::Destructive,
                    Some(_) => Safety::Mutating,
                    None if has("stop") || has("restart") || has("graceful-stop") => {
                        Safety::Destructive
                    }
                    None if has("graceful") || has("start") => Safety::Mutating,
                    None => Safety::ReadOnly,
                }
            }
            "sed" | "perl" | "ruby"
                if args
                    .iter()
                    .any(|a| a.starts_with("-i") || a.starts_with("--in-place")) =>
            {
                Safety::Mutating
            }
            "tee" => Safety::Mutating,
            "chmod"
            | "chown"
            | "chgrp"
            | "chattr"
            | "setfacl"
            | "mv"
            | "cp"
            | "ln"
            | "mkdir"
            | "touch"
            | "install"
            | "rsync"
            | "useradd"
            | "usermod"
            | "passwd"
            | "chpasswd"
            | "groupadd"
            | "gpasswd"
            | "mount"
            | "umount"
            | "swapon"
            | "swapoff"
            | "resize2fs"
            | "xfs_growfs"
            | "lvextend"
            | "lvresize"
            | "growpart"
            | "certbot"
            | "update-ca-certificates"
            | "logrotate"
            | "tc"
            | "ifup"
            | "hostnamectl"
            | "timedatectl"
            | "ssh-keygen" => Safety::Mutating,
            "tar"
                if args.first().is_some_and(|a| {
                    !a.starts_with("--") && (a.contains('x') || a.contains('c'))
                }) =>
            {
                Safety::Mutating
            }
            "sysctl" if has("-w") || args.iter().any(|a| a.contains('=')) => Safety::Mutating,
            "apt" | "apt-get" | "dnf" | "yum" | "apk" | "zypper" | "pacman" | "pip" | "pip3"
            | "npm" | "yarn" | "pnpm" | "gem" | "cargo" | "go" | "snap" | "brew" => match sub {
                "audit" if has("fix") => Safety::Mutating,
                "install" | "upgrade" | "update" | "remove" | "uninstall" | "purge" | "add"
                | "del" | "dist-upgrade" | "autoremove" | "get" => Safety::Mutating,
                _ => Safety::ReadOnly,
            },
            "openssl" if has("-out") || has("-keyout") => Safety::Mutating,
            "curl"
                if args.iter().enumerate().any(|(i, a)| {
                    let writes_file = matches!(*a, "-o" | "--output")
                        && !matches!(args.get(i + 1).copied(), Some("/dev/null" | "-"));
                    writes_file
                        || matches!(
                            *a,
                            "-X" | "--request"
                                | "-d"
                                | "--data"
                                | "-F"
                                | "--form"
                                | "-T"
                                | "--upload-file"
                                | "-O"
                        )
                        || a.starts_with("--data")
                }) =>
            {
                if args.windows(2).any(|w| {
                    matches!(w[0], "-X" | "--request") && w[1].eq_ignore_ascii_case("DELETE")
                }) {
                    Safety::Destructive
                } else {
                    Safety::Mutating
                }
            }
            "wget" => Safety::Mutating,
            "aws" | "gcloud" | "az" => {
                let verbs = args.iter().map(|a| a.to_ascii_lowercase());
                let mut class = Safety::ReadOnly;
                for v in verbs {
                    if v.starts_with("delete")
                        || v.starts_with("terminate")
                        || v.starts_with("revoke")
                        || v.starts_with("stop")
                        || v.starts_with("remove")
                    {
                        class = Safety::Destructive;
                    } else if v.starts_with("modify")
                        || v.starts_with("update")
                        || v.starts_with("create")
                        || v.starts_with("put")
                        || v.starts_with("set")
                        || v.starts_with("start")
                        || v.starts_with("rotate")
                    {
                        class = class.max(Safety::Mutating);
                    }
                }
                class
            }
            _ => Safety::ReadOnly,
        };
    class.max(text_class)
}

/// SQL verbs inside the arguments of database clients and `-c`/`-e` strings.
fn classify_text_arg(program: &str, arg: &str) -> Safety {
    match program {
        "sqlite3" | "psql" | "mysql" | "mariadb" | "redis-cli" | "cqlsh" | "clickhouse-client"
        | "mongosh" | "mongo" => classify_text(arg),
        _ => Safety::ReadOnly,
    }
}

fn skip_assignments<'a, 'b>(words: &'b [&'a str]) -> &'b [&'a str] {
    let n = words
        .iter()
        .take_while(|w| {
            w.split_once('=').is_some_and(|(n, _)| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .count();
    &words[n..]
}

/// The command a wrapper runs: its arguments after the wrapper's own options (and, for
/// `timeout`, the duration).
fn skip_options<'a, 'b>(wrapper: &str, args: &'b [&'a str]) -> &'b [&'a str] {
    let takes_value = |flag: &str| match wrapper {
        "sudo" => matches!(
            flag,
            "-u" | "-g" | "-C" | "-D" | "-h" | "-p" | "-r" | "-t" | "-U"
        ),
        "nice" | "ionice" => matches!(flag, "-n" | "-c"),
        "timeout" => matches!(flag, "-s" | "-k" | "--signal" | "--kill-after"),
        "xargs" => matches!(flag, "-I" | "-n" | "-P" | "-d" | "-L" | "-s" | "-a" | "-E"),
        "watch" => matches!(flag, "-n" | "-d"),
        _ => false,
    };
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.starts_with('-') && *a != "-" {
            i += if takes_value(a) { 2 } else { 1 };
        } else if wrapper == "env" && a.contains('=') {
            i += 1;
        } else {
            break;
        }
    }
    let rest = args.get(i..).unwrap_or(&[]);
    if wrapper == "timeout" {
        rest.get(1..).unwrap_or(&[])
    } else {
        rest
    }
}

fn container(args: &[&str], nesting: usize) -> Safety {
    let positional: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    match positional.as_slice() {
        ["compose", rest @ ..] => compose(rest),
        ["exec", ..] => {
            // docker exec [options] CONTAINER COMMAND…
            let mut i = args.iter().position(|a| *a == "exec").map_or(0, |p| p + 1);
            while let Some(a) = args.get(i) {
                if !a.starts_with('-') {
                    break;
                }
                i += if matches!(
                    *a,
                    "-e" | "--env" | "-u" | "--user" | "-w" | "--workdir" | "--env-file"
                ) {
                    2
                } else {
                    1
                };
            }
            let command = args.get(i + 1..).unwrap_or(&[]);
            if nesting < MAX_NESTING {
                program(command, nesting + 1)
            } else {
                Safety::Mutating
            }
        }
        [
            "stop" | "kill" | "rm" | "rmi" | "restart" | "pause" | "prune" | "down",
            ..,
        ] => Safety::Destructive,
        [_, "prune" | "rm" | "disconnect", ..] => Safety::Destructive,
        [
            "run" | "start" | "build" | "commit" | "pull" | "push" | "create" | "cp" | "update"
            | "tag" | "unpause" | "load" | "import",
            ..,
        ] => Safety::Mutating,
        ["network" | "volume", "create" | "connect", ..] => Safety::Mutating,
        _ => Safety::ReadOnly,
    }
}

fn compose(args: &[&str]) -> Safety {
    let verb = args
        .iter()
        .find(|a| !a.starts_with('-') && !a.ends_with(".yml") && !a.ends_with(".yaml"))
        .copied()
        .unwrap_or("");
    match verb {
        "down" | "rm" | "stop" | "kill" | "restart" => Safety::Destructive,
        "up" | "build" | "pull" | "start" | "create" | "run" | "exec" => Safety::Mutating,
        _ => Safety::ReadOnly,
    }
}

fn redis(args: &[&str]) -> Safety {
    let mut class = Safety::ReadOnly;
    for a in args {
        class = class.max(match a.to_ascii_uppercase().as_str() {
            "FLUSHDB" | "FLUSHALL" | "DEL" | "UNLINK" | "SHUTDOWN" | "DEBUG" => Safety::Destructive,
            "SET" | "HSET" | "EXPIRE" | "CONFIG" | "RENAME" | "LPUSH" | "RPUSH" | "SADD"
            | "ZADD" | "INCR" | "PERSIST" => Safety::Mutating,
            _ => Safety::ReadOnly,
        });
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(class: Safety, commands: &[&str]) {
        for c in commands {
            assert_eq!(classify(c, None), class, "{c}");
        }
    }

    #[test]
    fn looking_is_read_only() {
        check(
            Safety::ReadOnly,
            &[
                "journalctl -u app --since \"10 min ago\" --no-pager",
                "docker compose logs --tail=50 server",
                "ls -la data/cert.der",
                "systemctl status app",
                "top -bn1 | grep app",
                "dmesg | grep -i oom | tail -5",
                "docker exec api ps aux",
                "redis-cli -h \"$HOST\" KEYS 'session:*'",
                "ss -tlnp | grep 7000",
                "iptables -L -n",
                "curl -s http://localhost:9090/metrics | grep rate_limit",
                "echo $TOKEN | wc -c >/dev/null 2>&1",
                "curl -sS -m 5 -o /dev/null -w '%{http_code}' \"$URL\"",
                "sqlite3 db \"PRAGMA integrity_check;\"",
                "openssl x509 -in cert.pem -noout -enddate",
            ],
        );
    }

    #[test]
    fn changing_is_mutating() {
        check(
            Safety::Mutating,
            &[
                "systemctl start app",
                "systemctl edit app --force",
                "docker commit api evidence-1",
                "echo 'deny 10.0.0.1;' >> /etc/nginx/conf.d/block.conf",
                "nginx -s reload",
                "pip install --upgrade requests",
                "mkdir -p /evidence/x",
                "sed -i 's/a/b/' f",
                "cmd | tee out.txt",
                "df -h > \"$EVIDENCE_DIR/df.txt\"",
                "docker build -t api:patched .",
                "curl -sS -o page.html http://x/",
            ],
        );
    }

    #[test]
    fn destroying_is_destructive() {
        check(
            Safety::Destructive,
            &[
                "systemctl restart app",
                "sudo systemctl stop app",
                "rm -rf /tmp/x",
                "kill -9 1234",
                "docker network disconnect prod api",
                "iptables -A INPUT -s \"$IP\" -j DROP",
                "nft add rule inet filter input ip saddr 1.2.3.4 drop",
                "redis-cli -h h FLUSHDB",
                "sqlite3 db \"DELETE FROM q WHERE x < 1;\"",
                "sqlite3 db <<'EOF'\nPRAGMA key='k';\nDELETE FROM q;\nVACUUM;\nEOF",
                "docker logs api > api-logs.txt 2>&1",
                "find /tmp -name '*.tmp' -delete",
                "timeout 5 sudo -u root rm x",
                "sh -c 'kill 1'",
                "echo $(rm -f x)",
                "docker compose -f prod.yml down",
                "truncate -s 0 /var/log/big.log",
                "ip link set eth0 down",
                "for n in $(docker network ls -q); do docker network disconnect \"$n\" c; done",
                "if true; then rm -f x; fi",
            ],
        );
    }

    #[test]
    fn stdin_of_run_fences_counts() {
        assert_eq!(classify("psql -X", Some("SELECT 1;")), Safety::ReadOnly);
        assert_eq!(
            classify("psql -X", Some("DROP TABLE users;")),
            Safety::Destructive
        );
    }
}
