//! The gzip stream a bundle is written as, with the deflate level chosen per buffer so that
//! verifying stays fast whatever the evidence is.
//!
//! zlib-rs's fastest level (1) codes everything with fixed Huffman tables and never falls back
//! to stored blocks: random-looking data (packet captures, compressed logs, encrypted disks)
//! grows by about 5 % and inflates at under 0.5 GB/s, which alone would take a 1 GB bundle past
//! its 2 s verification target; higher levels store such data but deflate it at about 70 MB/s.
//! So each large write is classified by the byte entropy of a sample: high-entropy data is
//! written as deflate *stored* blocks here (at memory speed, read back at memory speed), the
//! rest is deflated at level 2 (dynamic Huffman tables: smaller than level 1 and quicker to
//! inflate). Before a run of stored blocks the compressor does a full flush, which ends on a
//! byte boundary and empties its window, so what it compresses afterwards never refers back
//! across the stored bytes it has not seen. The output is one ordinary gzip member.

use std::io::{self, Write};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// The level for data that compresses.
const DEFLATE_LEVEL: u32 = 2;
/// Writes this large are classified; smaller ones (tar headers, padding) keep the mode.
const CLASSIFY_MIN: usize = 64 << 10;
/// Above this many bits of entropy per byte, deflate would save little and cost much.
const STORE_ABOVE_BITS: f64 = 7.5;
/// Output gathered before it is written out.
const OUTPUT_BUFFER: usize = 256 << 10;
/// The most a stored block holds.
const STORED_BLOCK: usize = 65_535;

/// A gzip writer that stores incompressible buffers and deflates the rest.
pub(super) struct GzipWriter<W: Write> {
    out: W,
    deflate: Compress,
    crc: Crc,
    /// Output not yet written to `out`.
    buffer: Vec<u8>,
    /// Whether writes currently go out as stored blocks.
    storing: bool,
}

impl<W: Write> GzipWriter<W> {
    /// Writes the gzip header (no name, no time, so the same input gives the same bytes).
    pub(super) fn new(mut out: W) -> io::Result<Self> {
        out.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])?;
        Ok(GzipWriter {
            out,
            deflate: Compress::new(Compression::new(DEFLATE_LEVEL), false),
            crc: Crc::new(),
            buffer: Vec::with_capacity(OUTPUT_BUFFER),
            storing: false,
        })
    }

    /// Ends the deflate stream, writes the trailer (CRC-32 and length) and returns the output.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.deflate_run(&[], FlushCompress::Finish)?;
        self.out.write_all(&self.crc.sum().to_le_bytes())?;
        self.out.write_all(&self.crc.amount().to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn drain(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// Feeds `input` to the compressor and writes out what it produces; with a flush, until
    /// everything is out.
    fn deflate_run(&mut self, mut input: &[u8], flush: FlushCompress) -> io::Result<()> {
        self.drain()?;
        loop {
            let before = self.deflate.total_in();
            let status = self
                .deflate
                .compress_vec(input, &mut self.buffer, flush)
                .map_err(io::Error::other)?;
            input = &input[(self.deflate.total_in() - before) as usize..];
            let full = self.buffer.len() == self.buffer.capacity();
            self.drain()?;
            let done = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                _ => input.is_empty() && !full,
            };
            if done {
                return Ok(());
            }
        }
    }

    /// `input` as non-final stored blocks: a zero header byte (the stream is byte-aligned
    /// here), the length and its complement, the bytes.
    fn store(&mut self, input: &[u8]) -> io::Result<()> {
        for block in input.chunks(STORED_BLOCK) {
            if self.buffer.len() + 5 + block.len() > OUTPUT_BUFFER {
                self.drain()?;
            }
            let len = block.len() as u16;
            self.buffer.push(0);
            self.buffer.extend_from_slice(&len.to_le_bytes());
            self.buffer.extend_from_slice(&(!len).to_le_bytes());
            self.buffer.extend_from_slice(block);
        }
        Ok(())
    }
}

impl<W: Write> Write for GzipWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() >= CLASSIFY_MIN {
            let store = entropy_bits(buf) > STORE_ABOVE_BITS;
            if store && !self.storing {
                self.deflate_run(&[], FlushCompress::Full)?;
            }
            self.storing = store;
        }
        self.crc.update(buf);
        if self.storing {
            self.store(buf)?;
        } else {
            self.deflate_run(buf, FlushCompress::None)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.storing {
            self.deflate_run(&[], FlushCompress::Sync)?;
        }
        self.drain()?;
        self.out.flush()
    }
}

/// Shannon entropy in bits per byte of 16 evenly spaced 4 KiB samples of `buf`: about 8 for
/// random or already-compressed data, 4–6 for text.
fn entropy_bits(buf: &[u8]) -> f64 {
    const SAMPLES: usize = 16;
    const SAMPLE: usize = 4 << 10;
    let mut counts = [0u32; 256];
    let stride = (buf.len() / SAMPLES).max(SAMPLE);
    let mut total = 0usize;
    for start in (0..buf.len()).step_by(stride).take(SAMPLES) {
        for &b in &buf[start..(start + SAMPLE).min(buf.len())] {
            counts[b as usize] += 1;
        }
        total += SAMPLE.min(buf.len() - start);
    }
    let total = total as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn noise(len: usize) -> Vec<u8> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn random_data_is_stored_text_is_deflated_and_gunzip_reads_both() {
        let random = noise(1 << 20);
        let text: Vec<u8> = (0..40_000)
            .flat_map(|i| format!("GET /index.html 200 {i}\n").into_bytes())
            .collect();
        assert!(entropy_bits(&random) > 7.9);
        assert!(entropy_bits(&text) < 5.0);
        let mut gz = GzipWriter::new(Vec::new()).expect("header");
        for part in [&text[..], &random[..], b"tail", &text[..]] {
            gz.write_all(part).expect("write");
        }
        let bytes = gz.finish().expect("finish");
        // Stored random data costs a few bytes per 64 KiB block, not 5 %.
        assert!(
            bytes.len() < random.len() + 2 * text.len() / 4,
            "{}",
            bytes.len()
        );
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut back)
            .expect("gunzip");
        assert_eq!(back, [&text[..], &random[..], b"tail", &text[..]].concat());
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mixed.gz");
        std::fs::write(&path, &bytes).expect("write");
        let status = std::process::Command::new("gzip")
            .arg("-t")
            .arg(&path)
            .status()
            .expect("gzip runs");
        assert!(status.success(), "gzip -t: {status}");
    }
}
