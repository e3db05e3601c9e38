using System.Buffers.Binary;
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

    /// <summary>
    /// Gives <paramref name="entryName"/>'s central-directory header a Zip64 extra field holding the given 64-bit values
    /// (each one given replaces its 32-bit field, which is set to 0xFFFFFFFF so readers take the Zip64 value), as a
    /// hostile archive can: readers that take them as signed see 2^63 and up as negative.
    /// </summary>
    public static byte[] WithZip64Values(byte[] zip, string entryName, ulong? uncompressedSize, ulong? compressedSize, ulong? localHeaderOffset)
    {
        var name = Encoding.UTF8.GetBytes(entryName);
        for (var i = 0; i + 46 <= zip.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) != 0x02014b50
                || BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28)) != name.Length
                || !zip.AsSpan(i + 46, Math.Min(name.Length, zip.Length - i - 46)).SequenceEqual(name))
            {
                continue;
            }

            // Zip64 extra field: id 0x0001, then the values present, in this order.
            ulong?[] fields = [uncompressedSize, compressedSize, localHeaderOffset];
            int[] offsets = [24, 20, 42];
            var values = fields.Where(v => v is not null).Select(v => v!.Value).ToArray();
            var extra = new byte[4 + (8 * values.Length)];
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)(8 * values.Length));
            for (var v = 0; v < values.Length; v++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(extra.AsSpan(4 + (8 * v)), values[v]);
            }

            var patched = (byte[])zip.Clone();
            for (var f = 0; f < fields.Length; f++)
            {
                if (fields[f] is not null)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(i + offsets[f]), 0xFFFFFFFF);
                }
            }

            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(i + 30));
            BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(i + 30), (ushort)(extraLength + extra.Length));
            var insertAt = i + 46 + name.Length + extraLength;
            byte[] result = [.. patched.AsSpan(0, insertAt), .. extra, .. patched.AsSpan(insertAt)];

            // The central directory grew: the end record (the last one) says by how much.
            var end = result.Length - 22;
            while (BinaryPrimitives.ReadUInt32LittleEndian(result.AsSpan(end)) != 0x06054b50)
            {
                end--;
            }

            var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(result.AsSpan(end + 12));
            BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(end + 12), directorySize + (uint)extra.Length);
            return result;
        }

        throw new ArgumentException($"no central-directory header for '{entryName}'", nameof(entryName));
    }
}
