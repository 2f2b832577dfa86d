//! The checkpoint image: a versioned, self-describing stream of checksummed records
//! (documented in `FORMAT.md`). Neither side holds more than one record in memory.

pub mod format;
pub mod reader;
pub mod writer;

#[cfg(test)]
mod tests {
    use super::format::*;
    use super::reader::{ImageReader, split_pages};
    use super::writer::ImageWriter;
    use crate::Error;

    fn sample() -> Vec<u8> {
        let vma = VmaImage {
            start: 0x1000,
            end: 0x3000,
            prot: 3,
            flags: VMA_SHARED,
            backing: Backing::SharedMem {
                id: 7,
                pgoff: 0,
                name: "x".into(),
            },
        };
        let mut out = Vec::new();
        let mut w2 = ImageWriter::new(&mut out).unwrap();
        w2.record(Kind::Vma, &[&vma.encode()]).unwrap();
        w2.pages(0x1000, &[0xab; 8192]).unwrap();
        w2.finish().unwrap();
        out
    }

    fn read_all(img: &[u8]) -> Result<usize, Error> {
        let mut r = ImageReader::new(img)?;
        let mut n = 0;
        loop {
            let (k, p) = r.next_record()?;
            n += 1;
            match k {
                Kind::End => return Ok(n),
                Kind::Vma => assert_eq!(VmaImage::decode(p)?.end, 0x3000),
                Kind::Pages => assert_eq!(split_pages(p), (0x1000, &[0xab; 8192][..])),
                _ => unreachable!(),
            }
        }
    }

    #[test]
    fn descriptor_kinds_round_trip() {
        let kinds = [
            FdKind::Eventfd {
                count: 1 << 40,
                semaphore: true,
                flags: 0o4002,
            },
            FdKind::Timerfd {
                flags: 0o4002,
                state: TimerfdState {
                    clockid: 1,
                    settime_flags: 1,
                    ticks: 9,
                    value: (5, 6),
                    interval: (0, 50_000_000),
                },
            },
            FdKind::Signalfd {
                mask: 0x200,
                flags: 2,
            },
            FdKind::Epoll {
                flags: 2,
                watches: vec![EpollWatch {
                    fd: 4,
                    source: 9,
                    events: 0x8000_0001,
                    data: u64::MAX,
                }],
            },
            FdKind::Memfd {
                id: 258,
                name: "a memfd".into(),
                flags: 0o100002,
                pos: 3,
                size: 1 << 20,
                seals: 0b101,
                mode: 0o642,
                owner: (1000, 100),
            },
        ];
        for kind in kinds {
            let f = FdImage {
                fd: 7,
                cloexec: true,
                description: 2,
                kind,
            };
            let bytes = f.encode();
            assert_eq!(FdImage::decode(&bytes).unwrap(), f);
            assert!(matches!(
                FdImage::decode(&bytes[..bytes.len() - 1]),
                Err(Error::BadImage(_))
            ));
        }
        let mut payload = 258u64.to_le_bytes().to_vec();
        payload.extend_from_slice(&4096u64.to_le_bytes());
        payload.extend_from_slice(b"data");
        assert_eq!(
            split_file_data(&payload).unwrap(),
            (258, 4096, &b"data"[..])
        );
        assert!(matches!(
            split_file_data(&payload[..12]),
            Err(Error::BadImage(_))
        ));
    }

    #[test]
    fn round_trip() {
        assert_eq!(read_all(&sample()).unwrap(), 3);
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_refused() {
        let img = sample();
        for i in 0..img.len() {
            let mut bad = img.clone();
            bad[i] ^= 1;
            assert!(
                matches!(read_all(&bad), Err(Error::BadImage(_))),
                "flip at {i}"
            );
        }
        for cut in 0..img.len() {
            assert!(
                matches!(read_all(&img[..cut]), Err(Error::BadImage(_))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_dropped_record_is_noticed_by_the_end_marker() {
        let mut out = Vec::new();
        let mut w = ImageWriter::new(&mut out).unwrap();
        w.pages(0x1000, &[1; 4096]).unwrap();
        w.pages(0x2000, &[2; 4096]).unwrap();
        w.finish().unwrap();
        // Remove the second Pages record (12 bytes of framing + 8 + 4096).
        let rec = 12 + 8 + 4096;
        let mut cut = out[..12 + rec].to_vec();
        cut.extend_from_slice(&out[12 + 2 * rec..]);
        let mut r = ImageReader::new(&cut[..]).unwrap();
        r.next_record().unwrap();
        match r.next_record() {
            Err(Error::BadImage(why)) => assert!(why.contains("end marker"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
