using System.IO.Compression;
using System.Text;
using FinGuard.GitHub.Scans;

namespace FinGuard.GitHub.Tests.Scans;

public sealed class ArtifactExtractorTests
{
    private const long MiB = 1024 * 1024;

    private static IReadOnlyDictionary<string, byte[]> Extract(byte[] zip, string[] wanted, ArtifactLimits? limits = null) =>
        ArtifactExtractor.Extract(new MemoryStream(zip), wanted, limits ?? ArtifactLimits.Default);

    private static ArtifactRejectedException Rejected(byte[] zip, string[] wanted, ArtifactLimits? limits = null) =>
        Assert.Throws<ArtifactRejectedException>(() => Extract(zip, wanted, limits));

    [Fact]
    public void Extracts_only_the_named_files_by_path_from_the_artifact_root()
    {
        var zip = new ZipBuilder()
            .Add("semgrep.json", """{"results": []}""")
            .Add("reports/", [])
            .Add("reports/trivy.sarif", """{"version": "2.1.0"}""")
            .Add("reports/semgrep.json", "not this one")
            .Add("notes.txt", "ignored")
            .Build();

        var files = Extract(zip, ["semgrep.json", "reports/trivy.sarif", "missing.sarif"]);

        Assert.Equal(["reports/trivy.sarif", "semgrep.json"], files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("""{"results": []}""", Encoding.UTF8.GetString(files["semgrep.json"]));
        Assert.Equal("""{"version": "2.1.0"}""", Encoding.UTF8.GetString(files["reports/trivy.sarif"]));
    }

    [Fact]
    public void Matching_is_exact_and_case_sensitive()
    {
        var zip = new ZipBuilder().Add("Semgrep.JSON", "{}").Add("sub/semgrep.json", "{}").Build();

        Assert.Empty(Extract(zip, ["semgrep.json"]));
    }

    [Fact]
    public void Unwanted_entries_are_never_decompressed_even_when_they_are_bombs()
    {
        var zip = new ZipBuilder().AddZeros("bomb.bin", 64 * MiB).Add("semgrep.json", "{}").Build();

        var files = Extract(zip, ["semgrep.json"], new ArtifactLimits { MaxEntryBytes = MiB, MaxTotalBytes = MiB });

        Assert.Equal(["semgrep.json"], files.Keys);
    }

    [Fact]
    public void A_stream_that_cannot_seek_is_read_up_to_the_archive_limit()
    {
        var zip = new ZipBuilder().Add("semgrep.json", "{}").Build();

        var files = ArtifactExtractor.Extract(new ForwardOnlyStream(zip), ["semgrep.json"], 10 * MiB, MiB);

        Assert.Equal("{}", Encoding.UTF8.GetString(files["semgrep.json"]));
    }

    [Theory]
    [InlineData("../x", "it has a '..' segment")]
    [InlineData("reports/../../x", "it has a '..' segment")]
    [InlineData("/etc/passwd", "it is absolute")]
    [InlineData("a\\..\\b", "it contains a backslash")]
    [InlineData("reports\\trivy.sarif", "it contains a backslash")]
    [InlineData("C:/Windows/win.ini", "it contains a colon (a drive letter or alternate data stream)")]
    [InlineData("C:x", "it contains a colon (a drive letter or alternate data stream)")]
    [InlineData("./semgrep.json", "it has a '.' segment")]
    [InlineData("reports//trivy.sarif", "it has an empty segment")]
    [InlineData("evil\u0000.json", "it contains a control character")]
    public void An_unsafe_entry_name_anywhere_rejects_the_artifact(string name, string reason)
    {
        var zip = new ZipBuilder().Add("semgrep.json", "{}").Add(name, "x").Build();

        var rejected = Rejected(zip, ["semgrep.json"]);

        Assert.Equal(ArtifactRejection.UnsafePath, rejected.Reason);
        Assert.Equal(name, rejected.EntryName);
        Assert.EndsWith($"is not a safe relative path: {reason}", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\..\\b")]
    [InlineData("reports/")]
    [InlineData("")]
    public void An_unsafe_wanted_name_is_an_argument_error(string name)
    {
        var zip = new ZipBuilder().Add("semgrep.json", "{}").Build();

        var error = Assert.Throws<ArgumentException>(() => Extract(zip, [name]));

        Assert.StartsWith($"'{name}' is not a file path relative to the artifact root", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("semgrep.json", true)]
    [InlineData("reports/trivy.sarif", true)]
    [InlineData("reports/", true)]
    [InlineData("a..b/c...json", true)]
    [InlineData("../x", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("a\\..\\b", false)]
    [InlineData("D:\\x", false)]
    [InlineData("a/./b", false)]
    [InlineData("", false)]
    public void Safe_relative_paths(string path, bool safe)
    {
        Assert.Equal(safe, ArtifactExtractor.IsSafeRelativePath(path, out var problem));
        Assert.Equal(safe, problem is null);
    }

    [Fact]
    public void A_highly_compressed_entry_beyond_the_entry_cap_is_rejected_while_decompressing()
    {
        var zip = new ZipBuilder().AddZeros("semgrep.json", 16 * MiB).Build();

        var rejected = Rejected(zip, ["semgrep.json"], new ArtifactLimits { MaxEntryBytes = MiB, MaxTotalBytes = 10 * MiB, MaxCompressionRatio = 10_000 });

        Assert.Equal(ArtifactRejection.EntryTooLarge, rejected.Reason);
        Assert.Equal("artifact entry 'semgrep.json' is 16777216 bytes, over the limit of 1048576 per file", rejected.Message);
    }

    [Fact]
    public void A_header_that_lies_about_the_size_does_not_get_past_the_cap()
    {
        var honest = new ZipBuilder().AddZeros("semgrep.json", 16 * MiB).Build();
        var lying = ZipBuilder.WithClaimedUncompressedSize(honest, 100);

        var rejected = Rejected(lying, ["semgrep.json"], new ArtifactLimits { MaxEntryBytes = MiB, MaxTotalBytes = 10 * MiB, MaxCompressionRatio = 10_000 });

        // .NET's reader stops at the claimed 100 bytes, and the CRC-32 of those bytes betrays the lie; a reader that
        // went on would hit the 1 MiB cap counted on the actual bytes instead.
        Assert.Equal("semgrep.json", rejected.EntryName);
        Assert.True(
            rejected.Reason == ArtifactRejection.EntryTooLarge
            || (rejected.Reason == ArtifactRejection.Unreadable && rejected.Message == "artifact entry 'semgrep.json' does not match its CRC-32 checksum: its header's size or checksum is wrong"),
            rejected.Message);
    }

    [Fact]
    public void An_entry_expanding_past_the_compression_ratio_is_a_bomb()
    {
        var zip = new ZipBuilder().AddZeros("trivy.sarif", 8 * MiB).Build();

        var rejected = Rejected(zip, ["trivy.sarif"]);

        Assert.Equal(ArtifactRejection.CompressionRatio, rejected.Reason);
        Assert.StartsWith("artifact entry 'trivy.sarif' expands more than 200 times its compressed size", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_entries_are_not_held_to_the_ratio()
    {
        var zip = new ZipBuilder().AddZeros("semgrep.json", 512 * 1024).Build();

        Assert.Equal(512 * 1024, Extract(zip, ["semgrep.json"])["semgrep.json"].Length);
    }

    [Fact]
    public void The_wanted_files_together_must_fit_the_total_cap()
    {
        var text = new string('x', 600 * 1024);
        var zip = new ZipBuilder().Add("a.json", text, CompressionLevel.NoCompression).Add("b.json", text, CompressionLevel.NoCompression).Build();

        var rejected = Rejected(zip, ["a.json", "b.json"], new ArtifactLimits { MaxEntryBytes = MiB, MaxTotalBytes = MiB });

        Assert.Equal((ArtifactRejection.TotalTooLarge, "b.json"), (rejected.Reason, rejected.EntryName));
        Assert.Equal(2, Extract(zip, ["a.json", "b.json"], new ArtifactLimits { MaxEntryBytes = MiB, MaxTotalBytes = 2 * MiB }).Count);
    }

    [Fact]
    public void Too_many_entries_are_rejected_before_reading_any()
    {
        var builder = new ZipBuilder();
        for (var i = 0; i <= 1000; i++)
        {
            builder.Add($"files/{i}.json", "{}", CompressionLevel.NoCompression);
        }

        var rejected = Rejected(builder.Build(), ["files/0.json"], new ArtifactLimits { MaxEntries = 1000 });

        Assert.Equal(ArtifactRejection.TooManyEntries, rejected.Reason);
        Assert.Equal("the artifact has 1001 entries, more than the limit of 1000", rejected.Message);
    }

    [Fact]
    public void Duplicate_entry_names_are_ambiguous_and_rejected()
    {
        var zip = new ZipBuilder().Add("semgrep.json", """{"results": []}""").Add("semgrep.json", """{"results": [1]}""").Build();

        var rejected = Rejected(zip, ["semgrep.json"]);

        Assert.Equal(ArtifactRejection.DuplicateEntry, rejected.Reason);
    }

    [Fact]
    public void A_wanted_symbolic_link_is_not_a_file()
    {
        var zip = new ZipBuilder().AddSymbolicLink("semgrep.json", "/etc/passwd").Build();

        Assert.Equal(ArtifactRejection.NotAFile, Rejected(zip, ["semgrep.json"]).Reason);
    }

    [Fact]
    public void Bytes_that_are_not_a_zip_are_unreadable()
    {
        var rejected = Rejected(Encoding.UTF8.GetBytes("""{"version": "2.1.0", "runs": []}"""), ["x.sarif"]);

        Assert.Equal(ArtifactRejection.Unreadable, rejected.Reason);
        Assert.StartsWith("the artifact is not a readable zip archive", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_entry_is_unreadable()
    {
        var zip = new ZipBuilder().Add("semgrep.json", string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"n\": {i}}}"))).Build();
        var dataStart = 30 + "semgrep.json".Length;
        for (var i = dataStart; i < dataStart + 40; i++)
        {
            zip[i] ^= 0xFF;
        }

        var rejected = Rejected(zip, ["semgrep.json"]);

        Assert.Equal((ArtifactRejection.Unreadable, "semgrep.json"), (rejected.Reason, rejected.EntryName));
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression, 0x8000_0000_0000_0000UL, 0x7FFF_FFFF_FFFF_FFFFUL)]
    [InlineData(CompressionLevel.Optimal, null, 0x7FFF_FFFF_FFFF_FFFFUL)]
    [InlineData(CompressionLevel.Optimal, 0xFFFF_FFFF_FFFF_FFFFUL, null)]
    [InlineData(CompressionLevel.NoCompression, null, 1UL << 40)]
    public void Zip64_sizes_that_are_negative_or_beyond_the_archive_are_unreadable(CompressionLevel level, ulong? uncompressed, ulong? compressed)
    {
        // Found by ArtifactExtractorMutationTests: .NET reads Zip64 sizes as signed, so 2^63 and up are negative, and a
        // compressed size near long.MaxValue overflows its bounds check; reading then threw ArgumentOutOfRangeException.
        var zip = ZipBuilder.WithZip64Values(
            new ZipBuilder().Add("semgrep.json", string.Concat(Enumerable.Range(0, 200).Select(i => $"{{\"n\": {i}}}")), level).Build(),
            "semgrep.json", uncompressed, compressed, localHeaderOffset: null);

        var rejected = Rejected(zip, ["semgrep.json"]);

        Assert.Equal((ArtifactRejection.Unreadable, "semgrep.json"), (rejected.Reason, rejected.EntryName));
        Assert.StartsWith("artifact entry 'semgrep.json' has impossible sizes in its header: ", rejected.Message, StringComparison.Ordinal);
        Assert.EndsWith($"in an archive of {zip.Length} bytes", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip64_local_header_offset_before_the_archive_is_unreadable()
    {
        // Found by ArtifactExtractorMutationTests: a Zip64 offset of 2^64-1 is -1 to .NET, which checks it against the
        // archive's end only; seeking there threw IOException.
        var zip = ZipBuilder.WithZip64Values(
            new ZipBuilder().Add("notes.txt", "not wanted").Add("semgrep.json", """{"results": []}""").Build(),
            "semgrep.json", uncompressedSize: null, compressedSize: null, localHeaderOffset: ulong.MaxValue);

        var rejected = Rejected(zip, ["semgrep.json"]);

        Assert.Equal((ArtifactRejection.Unreadable, "semgrep.json"), (rejected.Reason, rejected.EntryName));
        Assert.StartsWith("artifact entry 'semgrep.json' cannot be read: its header points to a position outside the archive (", rejected.Message, StringComparison.Ordinal);
        Assert.Equal("not wanted", Encoding.UTF8.GetString(Extract(zip, ["notes.txt"])["notes.txt"]));
    }

    [Fact]
    public void An_archive_over_the_archive_limit_is_not_read()
    {
        var zip = new ZipBuilder().Add("semgrep.json", new string('x', 4096), CompressionLevel.NoCompression).Build();

        Assert.Equal(ArtifactRejection.ArchiveTooLarge, Rejected(zip, ["semgrep.json"], new ArtifactLimits { MaxArchiveBytes = 1024 }).Reason);
        Assert.Equal(ArtifactRejection.ArchiveTooLarge, Assert.Throws<ArtifactRejectedException>(() =>
            ArtifactExtractor.Extract(new ForwardOnlyStream(zip), ["semgrep.json"], new ArtifactLimits { MaxArchiveBytes = 1024 })).Reason);
    }

    [Fact]
    public void The_callers_stream_is_left_open()
    {
        using var stream = new MemoryStream(new ZipBuilder().Add("a.json", "{}").Build());

        ArtifactExtractor.Extract(stream, ["a.json"], MiB, MiB);

        Assert.True(stream.CanRead);
    }

    /// <summary>A stream like an HTTP response body: no seeking, no length.</summary>
    private sealed class ForwardOnlyStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
