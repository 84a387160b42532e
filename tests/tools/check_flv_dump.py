#!/usr/bin/env python3
"""Checks rtmp_publish output by hand against the FLV / Enhanced RTMP specs.

  check_flv_dump.py spec DUMP.flv INPUT MODE [--end-sequence] [--timestamp-offset MS]
      MODE: avc | hevc | hevc-legacy | av1. Checks every tag of rtmp_publish --dump-flv against
      the input as ffprobe sees it: configuration record == input extradata, tag header bytes,
      composition times, NAL / OBU framing, counts, timestamps.
  check_flv_dump.py same DUMP.flv RECORDED.flv
      The audio/video tag bodies a server recorded equal the ones dumped (the wire carried them).
"""
import json
import re
import struct
import subprocess
import sys

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        if len(FAILS) <= 20:
            print("FAIL:", msg)


def tags(path):
    d = open(path, "rb").read()
    assert d[:3] == b"FLV", path + ": not an FLV file"
    pos = int.from_bytes(d[5:9], "big") + 4
    out = []
    while pos + 11 <= len(d):
        t = d[pos]
        n = int.from_bytes(d[pos + 1:pos + 4], "big")
        ts = int.from_bytes(d[pos + 4:pos + 7], "big") | d[pos + 7] << 24
        out.append((t, ts, d[pos + 11:pos + 11 + n]))
        check(int.from_bytes(d[pos + 11 + n:pos + 15 + n], "big") == 11 + n, "PreviousTagSize")
        pos += 11 + n + 4
    return out


def ffprobe_extradata(path, sel):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", sel, "-show_streams", "-show_data", path],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"^extradata=\n((?:[0-9a-f]{8}: .*\n)+)", out, re.M)
    if not m:
        return b""
    data = b""
    for line in m.group(1).splitlines():
        hexpart = line[10:10 + 40].replace(" ", "")
        data += bytes.fromhex(hexpart)
    return data


def ffprobe_packets(path, sel):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", sel, "-show_entries",
                          "packet=pts_time,dts_time,size,flags", "-of", "json", path],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out).get("packets", [])


def ms(x):
    return int(round(float(x) * 1000))


def walk_nals(body, lsize):
    pos, types = 0, []
    while pos < len(body):
        if pos + lsize > len(body):
            return None
        n = int.from_bytes(body[pos:pos + lsize], "big")
        pos += lsize
        if n == 0 or pos + n > len(body):
            return None
        types.append(body[pos])
        pos += n
    return types


def leb128(b, pos):
    v = 0
    for i in range(8):
        v |= (b[pos] & 0x7F) << (7 * i)
        pos += 1
        if not b[pos - 1] & 0x80:
            break
    return v, pos


def walk_obus(body):
    pos, types = 0, []
    while pos < len(body):
        h = body[pos]
        if h & 0x80 or not h & 0x02:  # forbidden bit; low overhead format needs obu_has_size_field
            return None
        types.append((h >> 3) & 0xF)
        pos += 2 if h & 0x04 else 1
        n, pos = leb128(body, pos)
        if pos + n > len(body):
            return None
        pos += n
    return types


def spec(dump, inp, mode, end_sequence, offset=0):
    t = tags(dump)
    vtags = [(ts, b) for ty, ts, b in t if ty == 9]
    atags = [(ts, b) for ty, ts, b in t if ty == 8]
    meta = [b for ty, ts, b in t if ty == 18]
    check(meta and meta[0].startswith(b"\x02\x00\x0aonMetaData\x08"), "first script tag is onMetaData")
    want_id = {"avc": 7, "hevc-legacy": 12, "hevc": 0x68766331, "av1": 0x61763031}[mode]
    m = re.search(rb"\x00\x0cvideocodecid\x00(.{8})", meta[0], re.S) if meta else None
    check(m and struct.unpack(">d", m.group(1))[0] == want_id, f"onMetaData videocodecid == {want_id}")
    check(t[0][0] == 18, "onMetaData is the first tag")

    extra = ffprobe_extradata(inp, "v:0")
    pk = ffprobe_packets(inp, "v:0")
    fourcc = {"hevc": b"hvc1", "av1": b"av01"}.get(mode)
    first = vtags[0][1]
    if fourcc:
        # 0x90 = IsExHeader | FrameType 1 (key) << 4 | PacketType 0 (SequenceStart)
        check(first[0] == 0x90, f"first video tag byte 0x90 (got {first[0]:#x})")
        check(first[1:5] == fourcc, f"FourCC {fourcc} (got {first[1:5]})")
        check(first[5:] == extra, f"SequenceStart carries the input's config record ({len(extra)} bytes)")
    else:
        codec = 7 if mode == "avc" else 12
        check(first[:5] == bytes([0x10 | codec, 0, 0, 0, 0]), "legacy sequence header 0x1?/00/000000")
        check(first[5:] == extra, "sequence header carries the input's config record")
    if mode in ("avc", "hevc-legacy"):
        check(extra[0] == 1, "avcC/hvcC configurationVersion 1")
    if mode == "av1":
        check(extra[0] == 0x81, "av1C marker|version == 0x81")
    lsize = (extra[4] & 3) + 1 if mode == "avc" else (extra[21] & 3) + 1 if "hevc" in mode else 0

    frames = vtags[1:-1] if end_sequence else vtags[1:]
    check(len(frames) == len(pk), f"coded video tags {len(frames)} == input packets {len(pk)}")
    base = min([ms(p["dts_time"]) for p in pk[:1]] + [ms(p["dts_time"]) for p in ffprobe_packets(inp, "a:0")[:1]]) \
        if atags else ms(pk[0]["dts_time"])
    counts = {}
    for i, ((ts, b), p) in enumerate(zip(frames, pk)):
        key = "K" in p["flags"]
        cts_in = ms(p["pts_time"]) - ms(p["dts_time"])
        want_ts = (ms(p["dts_time"]) - base + offset) & 0xFFFFFFFF
        check(ts == want_ts, f"frame {i}: timestamp {ts} == input dts {want_ts}")
        if fourcc:
            check(b[0] & 0x80, f"frame {i}: IsExHeader")
            ft, ptype = (b[0] >> 4) & 7, b[0] & 0xF
            check(b[1:5] == fourcc, f"frame {i}: FourCC")
            counts[ptype] = counts.get(ptype, 0) + 1
            if mode == "hevc":
                check(ptype in (1, 3), f"frame {i}: PacketType CodedFrames/CodedFramesX")
                if ptype == 1:
                    cts = int.from_bytes(b[5:8], "big", signed=True)
                    check(cts == cts_in, f"frame {i}: SI24 composition time {cts} == {cts_in}")
                    payload = b[8:]
                else:
                    check(cts_in == 0, f"frame {i}: CodedFramesX only when pts == dts")
                    payload = b[5:]
            else:
                check(ptype == 1, f"frame {i}: av01 PacketType CodedFrames")
                payload = b[5:]  # no composition time for AV1
        else:
            ft = b[0] >> 4
            check(b[0] & 0xF == (7 if mode == "avc" else 12), f"frame {i}: CodecID")
            check(b[1] == 1, f"frame {i}: AVCPacketType 1")
            cts = int.from_bytes(b[2:5], "big", signed=True)
            check(cts == cts_in, f"frame {i}: CompositionTime {cts} == {cts_in}")
            payload = b[5:]
        check(ft == (1 if key else 2), f"frame {i}: FrameType {ft} for key={key}")
        check(len(payload) == int(p["size"]), f"frame {i}: payload {len(payload)} == packet size {p['size']}")
        if mode == "av1":
            obus = walk_obus(payload)
            check(obus is not None, f"frame {i}: OBUs (low overhead format, sized) cover the body")
            check(obus and 2 not in obus, f"frame {i}: no temporal delimiter OBU")
        else:
            nals = walk_nals(payload, lsize)
            check(nals is not None, f"frame {i}: {lsize}-byte NAL lengths cover the body")
            if nals and mode != "avc" and key:
                check(any(16 <= (n >> 1) & 0x3F <= 23 for n in nals), f"frame {i}: key frame has an IRAP NAL")
            if nals and mode == "avc" and key:
                check(any(n & 0x1F == 5 for n in nals), f"frame {i}: key frame has an IDR NAL")
    if end_sequence:
        last = vtags[-1][1]
        want = bytes([0x92]) + fourcc if fourcc else bytes([0x10 | (7 if mode == "avc" else 12), 2, 0, 0, 0])
        check(last == want, f"end of sequence tag {want.hex()} (got {last.hex()})")
    ts_all = [ts for ty, ts, b in t]
    check(all(((b - a + 2**31) & 0xFFFFFFFF) - 2**31 > -200 for a, b in zip(ts_all, ts_all[1:])),
          "timestamps roughly non-decreasing (modulo 2^32)")

    if atags:
        aextra = ffprobe_extradata(inp, "a:0")
        apk = ffprobe_packets(inp, "a:0")
        check(atags[0][1] == b"\xaf\x00" + aextra, "AAC sequence header 0xAF 00 + AudioSpecificConfig")
        check(len(atags) - 1 == len(apk), f"AAC frames {len(atags) - 1} == input packets {len(apk)}")
        check(all(b[:2] == b"\xaf\x01" and len(b) - 2 == int(p["size"]) for (ts, b), p in zip(atags[1:], apk)),
              "AAC raw frames 0xAF 01 + packet")
    print(f"{dump}: {len(frames)} video frames, {len(atags)} audio tags, packet types {counts}, "
          f"config record {len(extra)} bytes, first video tag {first[:5].hex()}")


def is_header(ty, b):
    return (ty == 8 and b[:2] == b"\xaf\x00") or (ty == 9 and len(b) > 1 and (
        (b[0] & 0x80 and b[0] & 0xF == 0) or (not b[0] & 0x80 and b[1] == 0)))


def same(dump, recorded):
    # Recorders write the sequence headers they hold when a recording starts (nginx-rtmp writes
    # the AAC one twice), so coded frames are compared one for one and headers as a set.
    a = [(ty, ts, b) for ty, ts, b in tags(dump) if ty in (8, 9)]
    r = [(ty, ts, b) for ty, ts, b in tags(recorded) if ty in (8, 9)]
    check({b for ty, ts, b in a if is_header(ty, b)} == {b for ty, ts, b in r if is_header(ty, b)},
          "same sequence headers")
    a = [x for x in a if not is_header(x[0], x[2])]
    r = [x for x in r if not is_header(x[0], x[2])]
    check(len(a) == len(r), f"coded tag count {len(a)} == recorded {len(r)}")
    check([(ty, b) for ty, ts, b in a] == [(ty, b) for ty, ts, b in r], "coded tag bodies identical")
    # recorders rebase timestamps to the first one; compare deltas modulo 2^32
    da = [(ts - a[0][1]) & 0xFFFFFFFF for ty, ts, b in a]
    dr = [(ts - r[0][1]) & 0xFFFFFFFF for ty, ts, b in r]
    check(da == dr, "timestamps identical up to a constant")
    print(f"{dump} == {recorded}: {len(a)} coded audio/video tags")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "spec":
        rest = sys.argv[5:]
        off = int(rest[rest.index("--timestamp-offset") + 1]) if "--timestamp-offset" in rest else 0
        spec(sys.argv[2], sys.argv[3], sys.argv[4], "--end-sequence" in rest, off)
    elif len(sys.argv) == 4 and sys.argv[1] == "same":
        same(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
    if FAILS:
        print(f"{len(FAILS)} check(s) failed")
        sys.exit(1)
