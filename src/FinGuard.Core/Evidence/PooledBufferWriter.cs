using System.Buffers;

namespace FinGuard.Core.Evidence;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from the shared pool (<see cref="PooledBytes"/>), for JSON that
/// is only an intermediate step (a record serialised so that it can be put in canonical form, a response rewritten
/// without a member) and so need not become an array of its own.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private PooledBytes _bytes = new(16 * 1024);

    /// <summary>What was written; valid until the next write or <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _bytes.Buffer.AsMemory(0, _bytes.Length);

    public void Advance(int count) => _bytes.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        _ = GetSpan(sizeHint);
        return _bytes.Buffer.AsMemory(_bytes.Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        ObjectDisposedException.ThrowIf(_bytes.IsDisposed, this);
        return _bytes.Reserve(sizeHint);
    }

    public void Dispose() => _bytes.Dispose();
}
