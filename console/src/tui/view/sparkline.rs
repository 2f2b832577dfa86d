//! A load history as a line of block characters, drawn in a table cell.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The last `width` of `samples` (oldest first) as bars, right-aligned; a sample of `full` or
/// more fills its cell.
pub fn bars<'a>(
    samples: impl DoubleEndedIterator<Item = &'a f32>,
    full: f32,
    width: usize,
) -> String {
    let mut recent: Vec<char> = samples
        .rev()
        .take(width)
        .map(|&s| {
            let level = (s / full.max(f32::EPSILON) * 7.0).round();
            BARS[level.clamp(0.0, 7.0) as usize]
        })
        .collect();
    recent.resize(width, ' ');
    recent.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::bars;

    #[test]
    fn newest_samples_on_the_right_scaled_to_full() {
        assert_eq!(bars([0.0, 1.0, 2.0, 4.0].iter(), 2.0, 3), "▅██");
        assert_eq!(bars([0.0].iter(), 2.0, 3), "  ▁");
    }
}
