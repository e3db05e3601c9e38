using System.IO.Compression;
using System.Text;

namespace FinGuard.GitHub.Tests.Scans;

/// <summary>Builds artifact zips in memory, including the malformed ones a hostile workflow could upload.</summary>
internal sealed class ZipBuilder
{
    private readonly List<(string Name, Func<Stream, Task>? Write, CompressionLevel Level, int? UnixMode)> _entries = [];

    public ZipBuilder Add(string name, string text, CompressionLevel level = CompressionLevel.Optimal) =>
        Add(name, Encoding.UTF8.GetBytes(text), level);

    public ZipBuilder Add(string name, byte[] content, CompressionLevel level = CompressionLevel.Optimal)
    {
        _entries.Add((name, s => s.WriteAsync(content).AsTask(), level, null));
        return this;
    }

    /// <summary>An entry of <paramref name="length"/> zero bytes, written in chunks: compresses about 1,000 to 1.</summary>
    public ZipBuilder AddZeros(string name, long length)
    {
        _entries.Add((name, async s =>
        {
            var chunk = new byte[1024 * 1024];
            for (var written = 0L; written < length; written += chunk.Length)
            {
                await s.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - written)));
            }
        }, CompressionLevel.SmallestSize, null));
        return this;
    }

    public ZipBuilder AddSymbolicLink(string name, string target)
    {
        _entries.Add((name, s => s.WriteAsync(Encoding.UTF8.GetBytes(target)).AsTask(), CompressionLevel.NoCompression, 0xA1FF));
        return this;
    }

    public byte[] Build()
    {
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, write, level, unixMode) in _entries)
            {
                var entry = archive.CreateEntry(name, level);
                if (unixMode is { } mode)
                {
                    entry.ExternalAttributes = mode << 16;
                }

                using var stream = entry.Open();
                write?.Invoke(stream).GetAwaiter().GetResult();
            }
        }

        return output.ToArray();
    }

    /// <summary>
    /// Rewrites the uncompressed size every local and central header of <paramref name="zip"/> claims (the zip bomb's lie).
    /// </summary>
    public static byte[] WithClaimedUncompressedSize(byte[] zip, uint claimed)
    {
        var patched = (byte[])zip.Clone();
        for (var i = 0; i + 4 <= patched.Length; i++)
        {
            var signature = BitConverter.ToUInt32(patched, i);
            if (signature == 0x04034b50 && i + 26 <= patched.Length)
            {
                BitConverter.TryWriteBytes(patched.AsSpan(i + 22, 4), claimed);
            }
            else if (signature == 0x02014b50 && i + 28 <= patched.Length)
            {
                BitConverter.TryWriteBytes(patched.AsSpan(i + 24, 4), claimed);
            }
        }

        return patched;
    }
}
