//! Cases that pin down how the classifier reads shell; the broad corpus of real-world command
//! lines is `tests/data/commands.tsv`, checked by the `classify_corpus` integration test.

use std::collections::BTreeMap;

use super::*;
use crate::runbook::commands::Spec;

#[track_caller]
fn check(class: Safety, commands: &[&str]) {
    for c in commands {
        let j = judge(c, None, Commands::shipped());
        assert_eq!(j.safety, class, "{c}: {}", j.reason);
    }
}

#[track_caller]
fn interactive(command: &str) -> bool {
    judge(command, None, Commands::shipped()).interactive
}

#[test]
fn looking_is_read_only() {
    check(
        Safety::ReadOnly,
        &[
            "journalctl -u app --since \"10 min ago\" --no-pager",
            "ansible web -b -m ping",
            "ansible all -a uptime",
            "docker compose logs --tail=50 server",
            "ls -la data/cert.der",
            "systemctl status app",
            "top -bn1 | grep app",
            "dmesg | grep -i oom | tail -5",
            "docker exec api ps aux",
            "redis-cli -h \"$HOST\" KEYS 'session:*'",
            "ss -tlnp | grep 7000",
            "iptables -L -n",
            "iptables -nvL INPUT",
            "curl -s http://localhost:9090/metrics | grep rate_limit",
            "echo $TOKEN | wc -c >/dev/null 2>&1",
            "curl -sS -m 5 -o /dev/null -w '%{http_code}' \"$URL\"",
            "sqlite3 db \"PRAGMA integrity_check;\"",
            "openssl x509 -in cert.pem -noout -enddate",
            "kubectl -n \"$NS\" get pods -o wide",
            "kubectl --context prod -n x rollout status deploy/api",
            "ssh -i key ops@db1 \"df -h\"",
            "sudo -u postgres psql -c 'SELECT count(*) FROM pg_stat_activity'",
            "psql -h <DB IP> -c \"select 1\"",
            "$ kubectl get nodes",
            "user@bastion:~$ oc get clusterversion",
            "kubectl exec api-0 -- cat /etc/resolv.conf",
            "timeout 10 curl -sI https://example.test/",
            "xargs -n1 dig +short < hosts.txt",
            "NODE=$(kubectl get pods -o jsonpath='{.items[0].spec.nodeName}')",
            "crontab -l",
            "kill -0 \"$PID\"",
            "aws ec2 describe-instances --region eu-west-1",
            "gcloud compute instances list --project p",
            "helm -n web status api",
            "psql -c '\\dt+'",
            "cat <<EOF | psql\nSELECT 1;\nEOF",
            "echo INFO | redis-cli",
        ],
    );
}

/// Only a step whose every change is a new file inside the evidence directory counts as
/// writing evidence alone (the one change `--yes` makes unasked in an evidence phase).
#[test]
fn only_new_files_inside_the_evidence_directory_are_evidence_writes() {
    let only_evidence = |c: &str| judge(c, None, Commands::shipped()).writes_only_evidence;
    for c in [
        "ps auxwwf > \"$EVIDENCE_DIR/processes.txt\"",
        "{ who -a; last -n 100; } > \"$EVIDENCE_DIR/logins.txt\" 2>&1",
        "ss -tanup > ${EVIDENCE_DIR}/sockets.txt",
    ] {
        assert!(only_evidence(c), "{c}");
    }
    for c in [
        // Reads only: nothing to make unasked.
        "ps auxwwf",
        // Changes something else, alone or beside an evidence write.
        "terraform apply",
        "kubectl -n prod delete pod web-1 > \"$EVIDENCE_DIR/delete.txt\"",
        "ps aux > \"$EVIDENCE_DIR/ps.txt\"; rm -f /tmp/x",
        "mkdir -p \"$EVIDENCE_DIR\"",
        "cp -p /var/log/auth.log \"$EVIDENCE_DIR/\"",
        // Out of the directory, beside it, or emptying a file in it.
        "uname -a > \"$EVIDENCE_DIR/../uname.txt\"",
        "uname -a > \"$EVIDENCE_DIR_OLD/uname.txt\"",
        "uname -a >> \"$EVIDENCE_DIR/uname.txt\"",
        ": > \"$EVIDENCE_DIR/uname.txt\"",
        "uname -a > /tmp/uname.txt",
    ] {
        assert!(!only_evidence(c), "{c}");
    }
}

#[test]
fn changing_is_mutating() {
    check(
        Safety::Mutating,
        &[
            "systemctl start app",
            "systemctl edit app --force",
            "ansible web -m copy -a 'src=a dest=/etc/b'",
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
            "kubectl get pods > pods.txt",
            "gitlab-ctl reconfigure",
            "helm upgrade api ./chart",
            "./fix-it.sh",
            "bin/kubectl delete-everything",
            "frobnicate --now",
            "kubectl -n x frobnicate",
            "kubectl rollout frobnicate deploy/x",
            "curl -XPOST http://x/api",
            "psql -c 'select pg_reload_conf()'",
            "psql -d app < fix.sql",
            "python3 repair.py",
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
            "ansible web -b -m service -a 'name=nginx state=restarted'",
            "ansible all -a 'rm -rf /tmp/x'",
            "rm -rf /tmp/x",
            "kill -9 1234",
            "docker network disconnect prod api",
            "iptables -A INPUT -s \"$IP\" -j DROP",
            "nft add rule inet filter input ip saddr 1.2.3.4 drop",
            "redis-cli -h h FLUSHDB",
            "sqlite3 db \"DELETE FROM q WHERE x < 1;\"",
            "sqlite3 db <<'EOF'\nPRAGMA key='k';\nDELETE FROM q;\nVACUUM;\nEOF",
            "> /var/log/big.log",
            "find /tmp -name '*.tmp' -delete",
            "find /var/tmp -mtime +7 -exec rm -f {} \\;",
            "timeout 5 sudo -u root rm x",
            "sh -c 'kill 1'",
            "bash -lc 'systemctl restart app'",
            "echo $(rm -f x)",
            "docker compose -f prod.yml down",
            "truncate -s 0 /var/log/big.log",
            "ip link set eth0 down",
            "for n in $(docker network ls -q); do docker network disconnect \"$n\" c; done",
            "if true; then rm -f x; fi",
            "kubectl -n \"$NS\" delete pod api-0",
            "kubectl --namespace=web delete pod api-0 --grace-period=0",
            "$ oc delete vmi testvm --force",
            "knife ssh 'role:db' 'sudo rm -rf /var/lib/data'",
            "ssh db1 'systemctl stop postgresql'",
            "kubectl exec api-0 -- rm -rf /data",
            "helm uninstall api -n web",
            "terraform destroy -auto-approve",
            "aws s3 rm s3://bucket/logs --recursive",
            "gsutil -m rm -r gs://bucket/x",
            "etcdctl del /registry/pods/x",
            "ceph osd purge 7 --yes-i-really-mean-it",
            "patronictl -c /etc/patroni.yml failover",
            "oc adm drain node-1 --ignore-daemonsets",
            "virtctl stop testvm",
            "crictl rmi abc123",
            "gitlab-psql -c \"delete from ci_builds where id = 1\"",
            "gitlab-ctl stop",
            "psql -c 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity'",
            "echo FLUSHALL | redis-cli",
            "curl -X DELETE http://es:9200/logs-2020",
            "curl -XDELETE http://es:9200/logs-2020",
            "dd if=/dev/zero of=/dev/sdb bs=1M",
            "sudo -i -u root bash -c 'reboot'",
            "echo c > /proc/sysrq-trigger",
            "xargs -r kubectl delete pod",
        ],
    );
}

#[test]
fn terminals_and_endless_commands_are_interactive() {
    for c in [
        "ssh db1",
        "kubectl exec -it api-0 -- bash",
        "oc debug node/worker-1",
        "tail -f /var/log/syslog",
        "journalctl -fu nginx",
        "vim /etc/hosts",
        "top",
        "watch -n1 'ss -s'",
        "psql -h db",
        "redis-cli -h cache",
        "kubectl port-forward svc/api 8080:80",
        "kubectl logs -f deploy/api",
        "ping 10.0.0.1",
        "docker run -it alpine",
        "command top",
    ] {
        assert!(interactive(c), "{c} should be interactive");
    }
    for c in [
        "top -bn1",
        "docker build -t api:patched .",
        "command -v top",
        "tail -n 50 /var/log/syslog",
        "ssh db1 uptime",
        "psql -c 'select 1'",
        "ping -c 3 10.0.0.1",
        "kubectl logs deploy/api --tail=100",
        "cat <<EOF | psql\nSELECT 1;\nEOF",
    ] {
        assert!(!interactive(c), "{c} should not be interactive");
    }
}

#[test]
fn reasons_say_what_decided() {
    let j = judge("kubectl -n x delete pod y", None, Commands::shipped());
    assert!(j.reason.contains("kubectl delete"), "{}", j.reason);
    let j = judge("gitlab-ctlx stop", None, Commands::shipped());
    assert!(
        j.reason.contains("not a command firebreak knows"),
        "{}",
        j.reason
    );
    let j = judge("ls | grep x", None, Commands::shipped());
    assert_eq!(j.reason, "only reads: ls, grep");
    let j = judge("kubectl frob", None, Commands::shipped());
    assert!(
        j.reason.contains("`kubectl frob` is not a kubectl verb"),
        "{}",
        j.reason
    );
}

#[test]
fn stdin_of_run_fences_counts() {
    assert_eq!(classify("psql -X", Some("SELECT 1;")), Safety::ReadOnly);
    assert_eq!(
        classify("psql -X", Some("DROP TABLE users;")),
        Safety::Destructive
    );
    assert_eq!(
        classify("sqlite3 -batch db", Some(".tables")),
        Safety::ReadOnly
    );
    assert_eq!(classify("python3", Some("print(1)")), Safety::Mutating);
    assert_eq!(classify("cat", Some("anything")), Safety::ReadOnly);
}

#[test]
fn sql_hiding_a_change_is_caught() {
    check(
        Safety::Destructive,
        &[
            "psql -c 'WITH d AS (DELETE FROM jobs RETURNING *) SELECT count(*) FROM d'",
            "psql -c 'EXPLAIN ANALYZE DELETE FROM jobs'",
        ],
    );
    check(
        Safety::Mutating,
        &[
            "psql -c 'SELECT * INTO backup FROM jobs'",
            // Pragmas are judged by name: the argument is a mode, not a statement.
            "sqlite3 db 'PRAGMA wal_checkpoint(TRUNCATE);'",
            "sqlite3 db 'PRAGMA main.optimize;'",
            "sqlite3 db 'PRAGMA journal_mode = WAL;'",
        ],
    );
    check(
        Safety::ReadOnly,
        &[
            "sqlite3 db 'PRAGMA main.table_info(jobs);'",
            "sqlite3 db \"PRAGMA key='s3cret'; PRAGMA integrity_check;\"",
        ],
    );
    // Words inside string literals are data, not SQL.
    check(
        Safety::ReadOnly,
        &["psql -c \"SELECT count(*) FROM events WHERE kind = 'delete'\""],
    );
}

#[test]
fn a_team_can_teach_it_a_tool() {
    let mut extra = BTreeMap::new();
    let spec: Spec = toml::from_str(
        "class = \"mutating\"\nverbs = { status = \"read-only\", purge = \"destructive\" }",
    )
    .expect("spec");
    extra.insert("acmectl".to_string(), spec);
    let commands = Commands::with(&extra).expect("commands");
    assert_eq!(
        judge("acmectl status", None, &commands).safety,
        Safety::ReadOnly
    );
    assert_eq!(
        judge("acmectl purge", None, &commands).safety,
        Safety::Destructive
    );
    let j = judge("acmectl status", None, &commands);
    assert_eq!(j.reason, "only reads: acmectl status");
    let j = judge("acmectl purge x", None, &commands);
    assert!(j.reason.contains("your config"), "{}", j.reason);
    // The shipped knowledge alone does not know it.
    assert_eq!(classify("acmectl status", None), Safety::Mutating);
}

#[test]
fn hostile_text_ends_and_is_not_read_only() {
    let deep = "sh -c ".repeat(40) + "rm -rf /";
    assert_ne!(classify(&deep, None), Safety::ReadOnly);
    let long = "x ".repeat(10_000);
    assert_eq!(classify(&long, None), Safety::Mutating);
    assert_eq!(classify("", None), Safety::ReadOnly);
    assert_eq!(classify("'unclosed", None), Safety::Mutating);
}

#[test]
fn our_block_command_is_a_known_change_and_its_listing_only_looks() {
    // `block` has sub-verbs (`block ls`, `block expire`), so `block ADDR` once read as an
    // unknown verb: still mutating, but for the wrong reason.
    let j = judge(
        "firebreak block \"$ATTACKER_IP\" --incident \"$INCIDENT_ID\" --reason x --via nftables",
        None,
        Commands::shipped(),
    );
    assert_eq!(j.safety, Safety::Mutating);
    assert!(
        j.reason
            .starts_with("`firebreak block $ATTACKER_IP` is mutating"),
        "{}",
        j.reason
    );
    check(Safety::ReadOnly, &["firebreak block ls"]);
    check(
        Safety::Mutating,
        &["firebreak block expire", "firebreak unblock 203.0.113.9"],
    );
}
