using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests;

/// <summary>One Azurite for every Azure test class in this assembly.</summary>
[CollectionDefinition(AzuriteFixture.CollectionName)]
public sealed class SharedAzurite : ICollectionFixture<AzuriteFixture>;
