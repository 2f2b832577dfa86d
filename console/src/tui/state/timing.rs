//! The timings an event's detail may carry as `key=value` words: a migration's `strategy`,
//! `freeze`, `total` and `bytes`, an eviction's `latency`. The events view shows them in a
//! column of their own. migserver sends none yet: live migration does not exist, and eviction
//! events do not carry their latency.

/// The words of `detail` that are timings, in the order the column shows them, as one line
/// (empty when there are none): `pre-copy freeze 12ms total 340ms 1.2G`, `latency 8ms`.
pub fn summary(detail: &str) -> String {
    const SHOWN: [(&str, &str); 5] = [
        ("strategy", ""),
        ("freeze", "freeze "),
        ("total", "total "),
        ("bytes", ""),
        ("latency", "latency "),
    ];
    let pairs: Vec<(&str, &str)> = detail
        .split_whitespace()
        .filter_map(|word| word.trim_end_matches([',', ';']).split_once('='))
        .collect();
    SHOWN
        .iter()
        .filter_map(|(key, label)| {
            let value = pairs.iter().find(|(k, _)| k == key)?.1;
            Some(format!("{label}{value}"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn timings_are_picked_out_of_the_detail_in_column_order() {
        assert_eq!(
            summary("moved to c: total=340ms bytes=1.2G freeze=12ms strategy=pre-copy"),
            "pre-copy freeze 12ms total 340ms 1.2G"
        );
        assert_eq!(summary("evicted, latency=8ms"), "latency 8ms");
        assert_eq!(summary("evicted by uid 0: sleep 600"), "");
    }
}
