using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FinGuard.GitHub.Scans;

namespace FinGuard.GitHub.Tests.Scans;

/// <summary>
/// Fuzzing what a hostile workflow can upload as a scanner artifact: valid zips (stored and deflated entries, a folder
/// entry, nested paths, entries over the limits) with random bytes flipped or overwritten, ranges removed, duplicated
/// or spliced, the file truncated, and the local-header, central-directory and end-of-central-directory fields (sizes,
/// offsets, name lengths, compression method, entry counts, Zip64 records) set to hostile values. Extracting either
/// returns only wanted files within the limits, or fails with an <see cref="ArtifactRejectedException"/> that says
/// why — never another exception (an <see cref="InvalidDataException"/>, <see cref="IOException"/> or
/// <see cref="ArgumentOutOfRangeException"/> from the zip reader) that would surface as a crash, and never a hang.
/// Seeded, so a failure reproduces; the seed, iteration, mutations and input are printed.
/// </summary>
public sealed class ArtifactExtractorMutationTests
{
    private const uint LocalHeader = 0x04034b50;
    private const uint CentralHeader = 0x02014b50;
    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint Zip64EndOfCentralDirectory = 0x06064b50;
    private const uint Zip64Locator = 0x07064b50;

    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    private static readonly string[] Wanted = ["semgrep.json", "reports/trivy.sarif", "reports/deep/nested/gitleaks.json", "missing.json"];

    private static readonly ArtifactLimits Limits = new()
    {
        MaxArchiveBytes = 256 * 1024,
        MaxEntries = 32,
        MaxEntryBytes = 16 * 1024,
        MaxTotalBytes = 24 * 1024,
        MaxCompressionRatio = 50,
        RatioCheckFloorBytes = 4 * 1024,
    };

    /// <summary>(offset, width) of the fields worth lying about, by header signature.</summary>
    private static readonly Dictionary<uint, (int Offset, int Width, string Name)[]> Fields = new()
    {
        [LocalHeader] =
        [
            (4, 2, "version needed"), (6, 2, "flags"), (8, 2, "compression method"), (14, 4, "crc-32"),
            (18, 4, "compressed size"), (22, 4, "uncompressed size"), (26, 2, "name length"), (28, 2, "extra length"),
        ],
        [CentralHeader] =
        [
            (4, 2, "version made by"), (6, 2, "version needed"), (8, 2, "flags"), (10, 2, "compression method"),
            (16, 4, "crc-32"), (20, 4, "compressed size"), (24, 4, "uncompressed size"), (28, 2, "name length"),
            (30, 2, "extra length"), (32, 2, "comment length"), (34, 2, "disk number"), (38, 4, "external attributes"),
            (42, 4, "local header offset"),
        ],
        [EndOfCentralDirectory] =
        [
            (4, 2, "disk number"), (6, 2, "central directory disk"), (8, 2, "entries on disk"), (10, 2, "total entries"),
            (12, 4, "central directory size"), (16, 4, "central directory offset"), (20, 2, "comment length"),
        ],
    };

    private static readonly byte[][] Bases = BuildBases();

    [Theory]
    [InlineData(20261205)]
    [InlineData(7)]
    [InlineData(4242)]
    public async Task Mutated_artifacts_extract_within_the_limits_or_are_rejected(int seed)
    {
        var (extracted, rejected) = await Fuzz(seed, 2500, (random, log) => Edited(random, maxEdits: 3, zip => Mutate(zip, random, log)));

        // Both outcomes must occur, or the mutations are not reaching the reader (seeds here extract 108-122 and reject the rest).
        Assert.True(extracted > 50 && rejected > 1000, $"extracted {extracted}, rejected {rejected}");
    }

    [Theory]
    [InlineData(20261206)]
    [InlineData(13)]
    public async Task Lying_zip_header_fields_extract_within_the_limits_or_are_rejected(int seed)
    {
        var (extracted, rejected) = await Fuzz(seed, 2500, (random, log) => Edited(
            random, maxEdits: 2, zip => random.Next(5) == 0 ? InsertZip64Records(zip, random, log) : CorruptField(zip, random, log)));

        // Seeds here extract 665-683 and reject the rest.
        Assert.True(extracted > 300 && rejected > 1000, $"extracted {extracted}, rejected {rejected}");
    }

    /// <summary>One of the valid zips with 1 to <paramref name="maxEdits"/> edits applied.</summary>
    private static byte[] Edited(Random random, int maxEdits, Func<byte[], byte[]> edit)
    {
        var zip = Bases[random.Next(Bases.Length)];
        for (var edits = 1 + random.Next(maxEdits); edits > 0; edits--)
        {
            zip = edit(zip);
        }

        return zip;
    }

    [Theory]
    [InlineData(20261207)]
    [InlineData(3)]
    public async Task Random_bytes_are_rejected(int seed)
    {
        var (extracted, rejected) = await Fuzz(seed, 1000, (random, log) =>
        {
            var bytes = new byte[random.Next(4096)];
            random.NextBytes(bytes);
            log.Add($"{bytes.Length} random bytes");
            if (random.Next(2) == 0 && bytes.Length >= 22)
            {
                // Random bytes that end in something shaped like an end-of-central-directory record, so the reader
                // goes on to look for a directory in noise.
                var end = bytes.Length - 22;
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(end), EndOfCentralDirectory);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(end + 20), 0);
                log.Add("with an end-of-central-directory signature");
            }

            return bytes;
        });

        Assert.True(rejected > 900, $"extracted {extracted}, rejected {rejected}");
    }

    [Fact]
    public void An_empty_download_is_unreadable()
    {
        var rejected = Assert.Throws<ArtifactRejectedException>(() => ArtifactExtractor.Extract(new MemoryStream([]), Wanted, Limits));

        Assert.Equal(ArtifactRejection.Unreadable, rejected.Reason);
        Assert.StartsWith("the artifact is not a readable zip archive", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unmutated_artifacts_extract_or_are_rejected_as_built()
    {
        // The bases cover both outcomes before any mutation: within the limits, one entry over the per-file limit,
        // entries over the total, and a mostly empty archive.
        Assert.Equal(["reports/deep/nested/gitleaks.json", "reports/trivy.sarif", "semgrep.json"], ArtifactExtractor.Extract(new MemoryStream(Bases[0]), Wanted, Limits).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ArtifactRejection.EntryTooLarge, Assert.Throws<ArtifactRejectedException>(() => ArtifactExtractor.Extract(new MemoryStream(Bases[1]), Wanted, Limits)).Reason);
        Assert.Equal(ArtifactRejection.TotalTooLarge, Assert.Throws<ArtifactRejectedException>(() => ArtifactExtractor.Extract(new MemoryStream(Bases[2]), Wanted, Limits)).Reason);
        Assert.Equal([0], ArtifactExtractor.Extract(new MemoryStream(Bases[3]), Wanted, Limits).Values.Select(v => v.Length));
    }

    /// <summary>
    /// <paramref name="iterations"/> rounds of: build an input with <paramref name="input"/> (which logs the mutations it
    /// made), extract <see cref="Wanted"/> from it under <see cref="Limits"/>. Counts the rounds that extracted and the
    /// rounds rejected with an <see cref="ArtifactRejectedException"/>; any other exception, a result naming a file not
    /// asked for or over a limit, or the whole run taking longer than <see cref="HangLimit"/> fails the test, printing
    /// the seed, iteration, mutations and input.
    /// </summary>
    private static async Task<(int Extracted, int Rejected)> Fuzz(int seed, int iterations, Func<Random, List<string>, byte[]> input)
    {
        var current = "not started";
        var run = Task.Run(() =>
        {
            var random = new Random(seed);
            var extracted = 0;
            var rejected = 0;
            for (var i = 0; i < iterations; i++)
            {
                var log = new List<string>();
                var zip = input(random, log);
                var where = $"seed {seed}, iteration {i}, {zip.Length} bytes after: {string.Join("; ", log)}";
                Volatile.Write(ref current, where);
                try
                {
                    var files = ArtifactExtractor.Extract(new MemoryStream(zip, writable: false), Wanted, Limits);
                    if (files.Keys.Any(name => !Wanted.Contains(name))
                        || files.Values.Any(content => content.LongLength > Limits.MaxEntryBytes)
                        || files.Values.Sum(content => content.LongLength) > Limits.MaxTotalBytes)
                    {
                        Assert.Fail($"returned {string.Join(", ", files.Select(f => $"'{f.Key}' ({f.Value.Length} bytes)"))}: a file not asked for or over the limits\n{where}\ninput (base64): {Convert.ToBase64String(zip)}");
                    }

                    extracted++;
                }
                catch (ArtifactRejectedException ex)
                {
                    Assert.False(string.IsNullOrWhiteSpace(ex.Message), where);
                    rejected++;
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    Assert.Fail($"{ex.GetType().Name}: {ex.Message}\n{where}\ninput (base64): {Convert.ToBase64String(zip)}\n{ex}");
                }
            }

            return (extracted, rejected);
        });
        try
        {
            return await run.WaitAsync(HangLimit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"extraction did not finish within {HangLimit}: stuck at {Volatile.Read(ref current)}");
            throw;
        }
    }

    private static byte[] Mutate(byte[] zip, Random random, List<string> log)
    {
        if (zip.Length == 0)
        {
            log.Add("empty");
            return zip;
        }

        var bytes = (byte[])zip.Clone();
        switch (random.Next(7))
        {
            case 0:
            {
                var flips = 1 + random.Next(4);
                for (var f = 0; f < flips; f++)
                {
                    var at = random.Next(bytes.Length);
                    var mask = (byte)(1 + random.Next(255));
                    bytes[at] ^= mask;
                    log.Add($"xor byte {at} with 0x{mask:x2}");
                }

                return bytes;
            }

            case 1:
            {
                var at = random.Next(bytes.Length);
                var length = Math.Min(1 + random.Next(32), bytes.Length - at);
                random.NextBytes(bytes.AsSpan(at, length));
                log.Add($"overwrite {length} bytes at {at} with random bytes");
                return bytes;
            }

            case 2:
            {
                var length = random.Next(bytes.Length);
                log.Add($"truncate to {length}");
                return bytes[..length];
            }

            case 3:
            {
                var (from, length) = Range(bytes.Length, random);
                var to = random.Next(bytes.Length + 1);
                log.Add($"duplicate {length} bytes from {from} at {to}");
                return [.. bytes.AsSpan(0, to), .. bytes.AsSpan(from, length), .. bytes.AsSpan(to)];
            }

            case 4:
            {
                var (from, length) = Range(bytes.Length, random);
                log.Add($"remove {length} bytes at {from}");
                return [.. bytes.AsSpan(0, from), .. bytes.AsSpan(from + length)];
            }

            case 5:
            {
                // Splice: a range of another base (or this one) copied over a range of this one.
                var other = Bases[random.Next(Bases.Length)];
                var (from, length) = Range(other.Length, random);
                var to = random.Next(bytes.Length);
                length = Math.Min(length, bytes.Length - to);
                other.AsSpan(from, length).CopyTo(bytes.AsSpan(to));
                log.Add($"splice {length} bytes from offset {from} of another artifact over {to}");
                return bytes;
            }

            default:
                return random.Next(5) == 0 ? InsertZip64Records(bytes, random, log) : CorruptField(bytes, random, log);
        }
    }

    private static (int From, int Length) Range(int length, Random random)
    {
        var from = random.Next(length);
        return (from, Math.Min(1 + random.Next(256), length - from));
    }

    /// <summary>Sets one field of one local header, central-directory header or end record to a hostile value.</summary>
    private static byte[] CorruptField(byte[] zip, Random random, List<string> log)
    {
        var headers = Signatures(zip).Where(h => Fields.ContainsKey(h.Signature)).ToList();
        if (headers.Count == 0)
        {
            log.Add("no header to corrupt");
            return zip;
        }

        var bytes = (byte[])zip.Clone();
        var (at, signature) = headers[random.Next(headers.Count)];
        var fields = Fields[signature];
        var (offset, width, name) = fields[random.Next(fields.Length)];
        if (at + offset + width > bytes.Length)
        {
            log.Add($"{name} of header 0x{signature:x8} at {at} is cut off");
            return bytes;
        }

        var field = bytes.AsSpan(at + offset, width);
        var original = width == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(field) : BinaryPrimitives.ReadUInt32LittleEndian(field);
        var max = width == 2 ? 0xFFFFu : 0xFFFFFFFFu;
        var value = random.Next(9) switch
        {
            0 => 0u,
            1 => 1u,
            2 => max,
            3 => max - 1,
            4 => width == 2 ? 0x8000u : 0x80000000u,
            5 => (uint)bytes.Length,
            6 => unchecked(original + (uint)random.Next(1, 64)) & max,
            7 => unchecked(original - (uint)random.Next(1, 64)) & max,
            _ => (uint)random.NextInt64(max + 1L),
        };
        if (name == "compression method" && random.Next(2) == 0)
        {
            // The methods a reader might know something about: stored, deflate, deflate64, bzip2, lzma, zstd, xz, aes.
            uint[] methods = [0, 8, 9, 12, 14, 93, 95, 99];
            value = methods[random.Next(methods.Length)];
        }

        if (width == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(field, value);
        }

        log.Add($"{name} of header 0x{signature:x8} at {at}: {original} -> {value}");
        return bytes;
    }

    /// <summary>
    /// Gives one central-directory header a Zip64 extra field (with its 32-bit sizes and offset set to 0xFFFFFFFF so the
    /// reader uses it), or puts a Zip64 end record and locator before the end record, with hostile values.
    /// </summary>
    private static byte[] InsertZip64Records(byte[] zip, Random random, List<string> log)
    {
        var signatures = Signatures(zip);
        var end = signatures.LastOrDefault(h => h.Signature == EndOfCentralDirectory);
        if (end.Signature == 0 || end.At + 22 > zip.Length)
        {
            log.Add("no end record for Zip64");
            return zip;
        }

        var central = signatures.Where(h => h.Signature == CentralHeader && h.At + 46 <= zip.Length).ToList();
        if (central.Count > 0 && random.Next(2) == 0)
        {
            var header = central[random.Next(central.Count)].At;
            var bytes = (byte[])zip.Clone();
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(header + 28));
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(header + 30));
            var insertAt = Math.Min(header + 46 + nameLength + extraLength, end.At);
            var values = Enumerable.Range(0, random.Next(4)).Select(_ => Hostile64(random, zip.Length)).ToArray();
            var dataSize = values.Length * 8 + (random.Next(3) == 0 ? 4 : 0);
            var block = new byte[4 + dataSize];
            BinaryPrimitives.WriteUInt16LittleEndian(block, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), (ushort)(random.Next(4) == 0 ? random.Next(64) : dataSize));
            for (var v = 0; v < values.Length; v++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(4 + (8 * v)), values[v]);
            }

            foreach (var field in new[] { 24, 20, 42 }.Where(_ => random.Next(3) != 0))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + field), 0xFFFFFFFF);
            }

            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(header + 30), (ushort)(extraLength + block.Length));
            var endAt = end.At + block.Length;
            byte[] patched = [.. bytes.AsSpan(0, insertAt), .. block, .. bytes.AsSpan(insertAt)];
            var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(endAt + 12));
            BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(endAt + 12), directorySize + (uint)block.Length);
            log.Add($"Zip64 extra field [{string.Join(", ", values)}] (size {dataSize}) on the central header at {header}");
            return patched;
        }

        // A Zip64 end record and its locator, just before the classic end record.
        var record = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Zip64EndOfCentralDirectory);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), random.Next(3) == 0 ? Hostile64(random, zip.Length) : 44);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(12), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(14), 45);
        var entries = Hostile64(random, zip.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(32), random.Next(2) == 0 ? entries : Hostile64(random, zip.Length));
        var size = Hostile64(random, zip.Length);
        var offset = Hostile64(random, zip.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(40), size);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(48), offset);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, Zip64Locator);
        var recordAt = random.Next(4) == 0 ? Hostile64(random, zip.Length) : (ulong)end.At;
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), recordAt);
        BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), (uint)random.Next(3));
        byte[] result = [.. zip.AsSpan(0, end.At), .. record, .. locator, .. zip.AsSpan(end.At)];
        var newEnd = end.At + record.Length + locator.Length;
        if (random.Next(2) == 0)
        {
            // Tell the reader to take the counts, size and offset from the Zip64 record.
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(newEnd + 8), 0xFFFF);
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(newEnd + 10), 0xFFFF);
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(newEnd + 12), 0xFFFFFFFF);
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(newEnd + 16), 0xFFFFFFFF);
        }

        log.Add($"Zip64 end record at {recordAt} (entries {entries}, directory size {size}, offset {offset})");
        return result;
    }

    private static ulong Hostile64(Random random, int length) => random.Next(8) switch
    {
        0 => 0,
        1 => 1,
        2 => ulong.MaxValue,
        3 => long.MaxValue,
        4 => (ulong)long.MaxValue + 1,
        5 => uint.MaxValue,
        6 => (ulong)length,
        _ => (ulong)random.Next(length + 1),
    };

    private static List<(int At, uint Signature)> Signatures(byte[] zip)
    {
        var found = new List<(int, uint)>();
        for (var i = 0; i + 4 <= zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature is LocalHeader or CentralHeader or EndOfCentralDirectory or Zip64EndOfCentralDirectory or Zip64Locator)
            {
                found.Add((i, signature));
            }
        }

        return found;
    }

    private static byte[][] BuildBases()
    {
        var random = new Random(1);
        return
        [
            // Within the limits: deflated, stored and fast-deflated wanted files, a folder entry, an unwanted file.
            new ZipBuilder()
                .Add("semgrep.json", Findings(random, 60))
                .Add("reports/", [])
                .Add("reports/trivy.sarif", Findings(random, 20), CompressionLevel.NoCompression)
                .Add("reports/deep/nested/gitleaks.json", Findings(random, 30), CompressionLevel.Fastest)
                .Add("notes.txt", "not wanted")
                .Build(),

            // One wanted file over the per-file limit, whose header a mutation may make lie about it.
            new ZipBuilder()
                .Add("reports/trivy.sarif", Findings(random, 5), CompressionLevel.NoCompression)
                .Add("semgrep.json", Findings(random, 220))
                .Build(),

            // Each within the per-file limit, together over the total.
            new ZipBuilder()
                .Add("reports/trivy.sarif", Findings(random, 130), CompressionLevel.NoCompression)
                .Add("semgrep.json", Findings(random, 130))
                .Add("reports/deep/nested/gitleaks.json", Findings(random, 130), CompressionLevel.SmallestSize)
                .Build(),

            // An empty wanted file, highly compressible unwanted zeros, a folder.
            new ZipBuilder()
                .Add("semgrep.json", [], CompressionLevel.NoCompression)
                .AddZeros("zeros.bin", 64 * 1024)
                .Add("reports/deep/", [])
                .Build(),
        ];
    }

    /// <summary>Scanner-like JSON of about 100 bytes a finding, compressing about as real reports do.</summary>
    private static string Findings(Random random, int count)
    {
        var text = new StringBuilder("{\"results\": [");
        for (var i = 0; i < count; i++)
        {
            text.Append(i == 0 ? "" : ", ")
                .Append("{\"check_id\": \"rule-").Append(random.Next(40))
                .Append("\", \"path\": \"src/").Append(Convert.ToHexString(BitConverter.GetBytes(random.Next())))
                .Append(".cs\", \"line\": ").Append(random.Next(5000))
                .Append(", \"severity\": \"").Append(random.Next(3) switch { 0 => "ERROR", 1 => "WARNING", _ => "INFO" }).Append("\"}");
        }

        return text.Append("]}").ToString();
    }
}
