using System.Threading.Channels;

namespace FinGuard.Processing;

/// <summary>
/// The in-process hand-off from ingress to worker. It carries only delivery ids: the delivery itself is already
/// durable in the inbox, so losing this queue (a crash) loses nothing — the worker re-reads pending deliveries at start.
/// </summary>
public sealed class DeliveryChannel
{
    private readonly Channel<string> channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false });

    public void Enqueue(string deliveryId) => channel.Writer.TryWrite(deliveryId);

    public ChannelReader<string> Reader => channel.Reader;
}
