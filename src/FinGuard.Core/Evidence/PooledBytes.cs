using System.Buffers;
using System.Text;

namespace FinGuard.Core.Evidence;

/// <summary>
/// A growable byte buffer rented from the shared pool: the canonical writer's output (a struct, passed by reference,
/// so the hot path allocates nothing for it) and the storage behind <see cref="PooledBufferWriter"/>.
/// </summary>
internal struct PooledBytes : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public PooledBytes(int initialSize)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public readonly int Length => _length;

    /// <summary>The underlying array; valid until the next append.</summary>
    public readonly byte[] Buffer => _buffer;

    /// <summary>Whether <see cref="Dispose"/> has returned the buffer.</summary>
    public readonly bool IsDisposed => _buffer is null || _buffer.Length == 0;

    public void Append(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Appends UTF-16 text as UTF-8; a lone surrogate becomes U+FFFD, as <see cref="Encoding.UTF8"/> does.</summary>
    public void AppendUtf8(ReadOnlySpan<char> text) =>
        _length += Encoding.UTF8.GetBytes(text, Reserve(Encoding.UTF8.GetMaxByteCount(text.Length)));

    /// <summary>Free space of at least <paramref name="sizeHint"/> bytes (at least one) after what was written.</summary>
    public Span<byte> Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _length < needed)
        {
            Grow(needed);
        }

        return _buffer.AsSpan(_length);
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the space <see cref="Reserve"/> gave.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
