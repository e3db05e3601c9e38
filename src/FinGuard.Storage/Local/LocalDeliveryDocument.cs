using FinGuard.Core.Deliveries;

namespace FinGuard.Storage.Local;

/// <summary>The local state file of one delivery, <c>{key}.json</c>; the body lives next to it in <see cref="BodyFile"/>.</summary>
internal sealed record LocalDeliveryDocument(
    string DeliveryId,
    string Event,
    string? Action,
    long? InstallationId,
    string? Repository,
    DateTimeOffset ReceivedAt,
    string BodyFile,
    string BodySha256,
    long BodyLength,
    DeliveryState State,
    int Attempts,
    string? LastError);
