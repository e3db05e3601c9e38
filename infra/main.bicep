// FinGuard on Azure: a Flex Consumption Function App running the framework-dependent `finguard` as a .NET 10 isolated
// worker (dotnet-isolated), evidence in WORM blob storage indexed in tables, deliveries on a storage queue, App secrets in Key Vault,
// telemetry and alerts in Application Insights. Deploy into a resource group:
//
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/prod.bicepparam
//
// Two storage accounts keep privileges narrow: the *data* account holds only FinGuard's evidence, delivery bodies,
// tables and queues (account-level version immutability, shared keys off); the *host* account is the Functions
// runtime's own storage (AzureWebJobsStorage, deployment package). The Function App's system-assigned identity gets
// data-plane roles scoped to the individual container, table, queue, vault and component it uses.
targetScope = 'resourceGroup'

metadata description = 'FinGuard GitHub App: Function App (.NET isolated worker), WORM evidence storage, Key Vault, Application Insights.'

@description('Short name used in resource names, e.g. "finguard".')
@minLength(3)
@maxLength(12)
param name string = 'finguard'

@description('Environment, part of resource names and tags.')
@allowed([
  'dev'
  'test'
  'prod'
])
param environmentName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('GitHub App id (numeric) or client id. Empty until the App is registered; deploy again after registering.')
param githubAppId string = ''

@description('GitHub REST API root: https://api.github.com/ or https://HOST/api/v3/ on GitHub Enterprise Server.')
param githubApiBaseUrl string = 'https://api.github.com/'

@description('Days every evidence blob version stays immutable (write once, read many).')
@minValue(1)
@maxValue(146000)
param evidenceRetentionDays int

@description('Unlocked: the retention can still be shortened or removed (development). Locked: it can only be extended, never removed, and the account cannot be deleted while versions are retained (production). Azure creates a policy Unlocked only, so the first deployment of a new account must use Unlocked; see docs/install.md.')
@allowed([
  'Unlocked'
  'Locked'
])
param evidenceImmutabilityState string

@description('FinGuard:Mode. production: FinGuard refuses to start unless the evidence container is verified write-once, and records say "production". development: records say "development".')
@allowed([
  'development'
  'production'
])
param finGuardMode string

@description('Redundancy of the data (evidence) account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param dataStorageSku string = 'Standard_ZRS'

@description('Prefix of FinGuard\'s table names (Storage:TablePrefix), to share one account between installations.')
param tablePrefix string = ''

@description('Flex Consumption: the most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory of each instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('.NET version of the Flex Consumption "dotnet-isolated" stack; the package is framework-dependent on it. List them with `az functionapp list-flexconsumption-runtimes --location <region> --runtime dotnet-isolated`.')
@allowed([
  '10.0'
])
param dotnetIsolatedVersion string = '10.0'

@description('Days Key Vault keeps deleted secrets recoverable.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteDays int = 90

@description('Key Vault purge protection: deleted secrets cannot be purged before the soft-delete period ends. Cannot be turned off once on.')
param keyVaultPurgeProtection bool = true

@description('Days Log Analytics keeps FinGuard\'s logs and audit events.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('Object id of the person or pipeline that sets the App secrets in Key Vault (Key Vault Secrets Officer). Empty: none.')
param vaultOperatorObjectId string = ''

@description('E-mail address alerts are sent to. Empty: alerts fire in Azure Monitor without notifications.')
param alertEmail string = ''

var suffix = uniqueString(resourceGroup().id, name, environmentName)
var baseName = '${name}-${environmentName}'
var tags = {
  application: 'finguard'
  environment: environmentName
}

// Names FinGuard's code uses (src/FinGuard.Storage/StorageOptions.cs, src/FinGuard.Storage/Azure/AzureTableNames.cs,
// src/FinGuard/Functions/FunctionNames.cs).
var evidenceContainerName = 'evidence'
var deliveriesContainerName = 'deliveries'
var tableNames = [
  '${tablePrefix}EvidenceIndex'
  '${tablePrefix}EvidenceBySha'
  '${tablePrefix}EvidenceChains'
  '${tablePrefix}Deliveries'
  '${tablePrefix}DeploymentRequests'
  '${tablePrefix}JobState'
  '${tablePrefix}HeadPushes'
]
var deliveriesQueueName = 'deliveries'
var queueNames = [
  deliveriesQueueName
  '${deliveriesQueueName}-poison'
]
var deploymentContainerName = 'app-package'
var privateKeySecretName = 'github-app-private-key'
var webhookSecretName = 'github-webhook-secret'

// Built-in role definitions (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// ---------------------------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: 'log-${baseName}-${suffix}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}-${suffix}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Data storage: evidence (WORM), delivery bodies, tables, queues
// ---------------------------------------------------------------------------------------------------------------

resource data 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: take('stfgd${suffix}', 24)
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: dataStorageSku
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
    // Version-level WORM for every blob version in the account: evidence records and the raw delivery bodies
    // they were decided from. Only FinGuard's data lives here.
    immutableStorageWithVersioning: {
      enabled: true
      immutabilityPolicy: {
        immutabilityPeriodSinceCreationInDays: evidenceRetentionDays
        state: evidenceImmutabilityState
        allowProtectedAppendWrites: false
      }
    }
  }
}

resource dataBlobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: data
  name: 'default'
  properties: {
    isVersioningEnabled: true
    changeFeed: {
      enabled: true
    }
    deleteRetentionPolicy: {
      enabled: true
      days: 30
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 30
    }
  }
}

resource evidenceContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: dataBlobs
  name: evidenceContainerName
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: {
      enabled: true
    }
  }
}

resource deliveriesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: dataBlobs
  name: deliveriesContainerName
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: {
      enabled: true
    }
  }
}

resource dataTables 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: data
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [
  for tableName in tableNames: {
    parent: dataTables
    name: tableName
  }
]

resource dataQueues 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: data
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for queueName in queueNames: {
    parent: dataQueues
    name: queueName
  }
]

resource dataBlobAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: dataBlobs
  name: 'audit-to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Host storage: the Functions runtime's own (AzureWebJobsStorage) and the deployment package
// ---------------------------------------------------------------------------------------------------------------

resource host 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: take('stfgh${suffix}', 24)
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource hostBlobs 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: host
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: hostBlobs
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Key Vault: the App private key and webhook secret (set after registering the App; see docs/install.md)
// ---------------------------------------------------------------------------------------------------------------

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: take('kv-fg-${environmentName}-${suffix}', 24)
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: keyVaultSoftDeleteDays
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource vaultAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'audit-to-log-analytics'
  properties: {
    workspaceId: logs.id
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Function App: Flex Consumption (Linux), .NET isolated worker, system-assigned identity
// ---------------------------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${baseName}-${suffix}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: 'func-${baseName}-${suffix}'
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${host.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // Flex Consumption declares the language here; the FUNCTIONS_WORKER_RUNTIME app setting (dotnet-isolated on
      // other plans) is not allowed on Flex. The host starts `dotnet finguard.dll` (worker.config.json in the package).
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetIsolatedVersion
      }
    }
  }
}

resource noFtpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource noScmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// App settings are applied after the role assignments, so Key Vault references and identity-based connections
// resolve on the first start.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Functions runtime storage through the managed identity (no connection string, shared keys are off).
    AzureWebJobsStorage__accountName: host.name
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
    // The ProcessDelivery queue trigger's connection ([QueueTrigger(..., Connection = "FinGuardQueue")]).
    // The worker and the host's queue extension both reach the queue through the managed identity.
    FinGuardQueue__queueServiceUri: data.properties.primaryEndpoints.queue
    // FinGuard's own settings (double underscore = configuration section separator).
    FinGuard__Mode: finGuardMode
    Storage__BlobServiceUri: data.properties.primaryEndpoints.blob
    Storage__TableServiceUri: data.properties.primaryEndpoints.table
    Storage__QueueServiceUri: data.properties.primaryEndpoints.queue
    Storage__EvidenceContainer: evidenceContainerName
    Storage__DeliveriesContainer: deliveriesContainerName
    Storage__TablePrefix: tablePrefix
    // Stored deliveries go on the deliveries queue; ProcessDelivery (queue trigger) processes them on every instance.
    Processing__Dispatch: 'azure-queue'
    Processing__QueueName: deliveriesQueueName
    GitHub__AppId: githubAppId
    GitHub__ApiBaseUrl: githubApiBaseUrl
    GitHub__PrivateKey: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${privateKeySecretName})'
    GitHub__WebhookSecret: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${webhookSecretName})'
  }
  dependsOn: [
    evidenceBlobContributor
    deliveriesBlobContributor
    tableContributor
    queueContributor
    hostBlobOwner
    hostTableContributor
    vaultSecretsUser
    telemetryPublisher
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Least-privilege role assignments of the Function App's identity
// ---------------------------------------------------------------------------------------------------------------

resource evidenceBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: evidenceContainer
  name: guid(evidenceContainer.id, app.id, roles.storageBlobDataContributor)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    description: 'FinGuard writes and reads evidence records (the container is WORM).'
  }
}

resource deliveriesBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: deliveriesContainer
  name: guid(deliveriesContainer.id, app.id, roles.storageBlobDataContributor)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    description: 'FinGuard stores raw webhook delivery bodies.'
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (tableName, i) in tableNames: {
    scope: tables[i]
    name: guid(tables[i].id, app.id, roles.storageTableDataContributor)
    properties: {
      principalId: app.identity.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
      description: 'FinGuard indexes evidence and tracks deliveries in ${tableName}.'
    }
  }
]

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queueName, i) in queueNames: {
    scope: queues[i]
    name: guid(queues[i].id, app.id, roles.storageQueueDataContributor)
    properties: {
      principalId: app.identity.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
      description: 'FinGuard enqueues and processes deliveries on ${queueName}.'
    }
  }
]

resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: host
  name: guid(host.id, app.id, roles.storageBlobDataOwner)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    description: 'The Functions runtime: host locks, timer schedules and the deployment package (host storage account only).'
  }
}

resource hostTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: host
  name: guid(host.id, app.id, roles.storageTableDataContributor)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    description: 'The Functions runtime: diagnostic events (host storage account only).'
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, app.id, roles.keyVaultSecretsUser)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    description: 'Key Vault references: the GitHub App private key and webhook secret.'
  }
}

resource vaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(vaultOperatorObjectId)) {
  scope: vault
  name: guid(vault.id, vaultOperatorObjectId, roles.keyVaultSecretsOfficer)
  properties: {
    principalId: vaultOperatorObjectId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    description: 'Sets and rotates the FinGuard App secrets.'
  }
}

resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appInsights
  name: guid(appInsights.id, app.id, roles.monitoringMetricsPublisher)
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    description: 'Telemetry ingestion with Entra ID authentication (local auth is off).'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Alerts (docs/operations.md explains each one)
// ---------------------------------------------------------------------------------------------------------------

resource alertGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${baseName}-${suffix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'finguard'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Calls GET /readyz every five minutes from three regions, so "not ready" is noticed even when no webhook arrives.
resource readinessProbe 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'readyz-${baseName}-${suffix}'
  location: location
  tags: union(tags, {
    'hidden-link:${appInsights.id}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'readyz-${baseName}-${suffix}'
    Name: 'FinGuard /readyz'
    Description: 'FinGuard readiness: storage reachable, webhook secret and App credentials loaded.'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      {
        Id: 'emea-nl-ams-azr'
      }
      {
        Id: 'us-va-ash-azr'
      }
      {
        Id: 'apac-sg-sin-azr'
      }
    ]
    Request: {
      RequestUrl: 'https://${app.properties.defaultHostName}/readyz'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

var alerts = [
  {
    name: 'finguard-not-ready'
    severity: 1
    description: 'The /readyz probe failed: storage unreachable, or the webhook secret or App credentials are not loaded (e.g. a Key Vault reference did not resolve), or the app does not start.'
    query: 'availabilityResults | where name == "FinGuard /readyz" and toint(success) == 0'
    threshold: 1
  }
  {
    name: 'finguard-webhooks-rejected'
    severity: 2
    description: 'Webhook deliveries rejected with 401 (signature mismatch: webhook secret rotated on one side only, or forged requests) or 503 (no webhook secret).'
    query: 'requests | where name == "Webhook" and resultCode in ("401", "503")'
    threshold: 5
  }
  {
    name: 'finguard-delivery-poisoned'
    severity: 1
    description: 'A delivery message exhausted its retries and was moved to the deliveries-poison queue: its pull request has no up-to-date FinGuard decision.'
    query: 'traces | where message has "deliveries-poison"'
    threshold: 0
  }
  {
    name: 'finguard-delivery-quarantined'
    severity: 2
    description: 'A stored delivery could not be read back (its body no longer matches its SHA-256, or its entry does not parse) and was quarantined: moved aside, not processed. The other deliveries go on. Run finguard deliveries list (docs/operations.md, Quarantined deliveries).'
    query: 'traces | where message has "ALERT: quarantined delivery"'
    threshold: 0
  }
  {
    name: 'finguard-processing-failures'
    severity: 3
    description: 'ProcessDelivery invocations failed (transient GitHub or storage errors; the host retries them).'
    query: 'requests | where name == "ProcessDelivery" and success == false'
    threshold: 10
  }
  {
    name: 'finguard-timer-failures'
    severity: 2
    description: 'A scheduled function (RedeliverySweep, DailyCheckpoint, FreezeWindowEdges) failed.'
    query: 'requests | where name in ("RedeliverySweep", "DailyCheckpoint", "FreezeWindowEdges") and success == false'
    threshold: 0
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in alerts: {
    name: '${alert.name}-${environmentName}'
    location: location
    tags: tags
    properties: {
      displayName: alert.name
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        appInsights.id
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: empty(alertEmail) ? [] : [
          alertGroup.id
        ]
      }
    }
  }
]

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}/'
output webhookUrl string = 'https://${app.properties.defaultHostName}/api/github/webhooks'
output keyVaultName string = vault.name
output dataStorageAccountName string = data.name
output hostStorageAccountName string = host.name
output appInsightsName string = appInsights.name
output principalId string = app.identity.principalId
