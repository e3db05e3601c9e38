using FinGuard.Core.Deliveries;

namespace FinGuard.Storage.Local;

/// <summary>
/// One state line of a delivery's file, <c>{key}.json</c>. <see cref="BodyFile"/> is null when the body is in the
/// same file, right after the first line (since 2026-12-03); entries written before name a separate body file.
/// </summary>
internal sealed record LocalDeliveryDocument(
    string DeliveryId,
    string Event,
    string? Action,
    long? InstallationId,
    string? Repository,
    DateTimeOffset ReceivedAt,
    string? BodyFile,
    string BodySha256,
    long BodyLength,
    DeliveryState State,
    int Attempts,
    string? LastError);
