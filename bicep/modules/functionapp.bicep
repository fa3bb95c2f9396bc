// The Flex Consumption plan and the Linux function app running the custom handler (runtime 'custom' 1.0: the
// package carries a self-contained linux-x64 executable, host.json names it). Identity-based storage for the host
// and the app, the deployment package read with the same user-assigned identity, secrets through Key Vault.

@description('Flex Consumption plan name.')
param planName string

@description('Function app name (also its host name: <name>.azurewebsites.net).')
param name string

@description('Region.')
param location string

@description('Tags for the resources; the app also gets azd-service-name.')
param tags object

@description('azure.yaml service this app is the target of.')
param azdServiceName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob service endpoint of the storage account (host storage: keys, timer locks, the deployment package).')
param storageBlobEndpoint string

@description('Queue service endpoint of the storage account (host storage and the app\'s wake-up queue).')
param storageQueueEndpoint string

@description('Table service endpoint of the storage account (the app\'s table).')
param storageTableEndpoint string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Application Insights connection string (no key: ingestion needs Entra auth).')
param applicationInsightsConnectionString string

@description('Instance memory: 512, 2048 or 4096 MB.')
param instanceMemoryMB int

@description('Upper bound of instances (40-1000).')
param maximumInstanceCount int

@description('Coordination__TableName.')
param tableName string

@description('Coordination__WakeQueueName.')
param wakeQueueName string

@description('Id of the first tenant; its keys go to Coordination__Tenants__<id>__Keys.')
param firstTenantId string

@description('Versioned Key Vault URI of the first tenant\'s keys.')
param tenantKeysSecretUri string

@description('Versioned Key Vault URI of the token signing keys.')
param tokenSigningKeysSecretUri string

@description('Coordination__MaxRequestBodyBytes.')
param maxRequestBodyBytes int

@description('Coordination__AgentTokenLifetimeHours.')
param agentTokenLifetimeHours int

@description('Coordination__PresenceTtlSeconds.')
param presenceTtlSeconds int

@description('Coordination__EventPollMilliseconds.')
param eventPollMilliseconds int

@description('Coordination__WebPubSubEndpoint: the service the app fans events out to, with its managed identity.')
param webPubSubEndpoint string

@description('Coordination__WebPubSubHub.')
param webPubSubHub string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Every app setting the app and the host read. CoordinationSettings.All is the list the app reads; a test
// (SettingsFileTests) checks that each of its settings is either set here or listed below as deliberately not set,
// so the settings class, local.settings.sample.json and this template cannot drift apart silently.
// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE and
// the content-share settings: the runtime comes from functionAppConfig, the package from the deployment container.
//
// Deliberately not set (each one is optional in Azure):
// not-set: AzureWebJobsStorage = a connection string would carry an account key; the identity settings replace it
// not-set: Coordination__StandaloneUrl = standalone only; under the host the app listens on FUNCTIONS_CUSTOMHANDLER_PORT
// not-set: Coordination__Tenants__<id>__<Limit> = tenant limits have defaults; add e.g. Coordination__Tenants__default__MaxSwarms to change one
// not-set: Coordination__Schedules__<Function> = standalone only; the host takes schedules from function.json
// not-set: Coordination__ReportStorageCalls = diagnostics for tests and the benchmark; off in production
// not-set: Coordination__WebPubSubConnectionString = it carries an access key; the app reaches Web PubSub with its managed identity (Coordination__WebPubSubEndpoint)
// not-set: Coordination__StreamTokenLifetimeSeconds = the default (300 s) suits browsers; set it to shorten or lengthen stream tokens
var appSettings = {
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  Coordination__TableName: tableName
  Coordination__WakeQueueName: wakeQueueName
  Coordination__MaxRequestBodyBytes: string(maxRequestBodyBytes)
  'Coordination__Tenants__${firstTenantId}__Keys': '@Microsoft.KeyVault(SecretUri=${tenantKeysSecretUri})'
  Coordination__TokenSigningKeys: '@Microsoft.KeyVault(SecretUri=${tokenSigningKeysSecretUri})'
  Coordination__AgentTokenLifetimeHours: string(agentTokenLifetimeHours)
  Coordination__PresenceTtlSeconds: string(presenceTtlSeconds)
  Coordination__EventPollMilliseconds: string(eventPollMilliseconds)
  Coordination__WebPubSubEndpoint: webPubSubEndpoint
  Coordination__WebPubSubHub: webPubSubHub
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
  }
}

resource siteAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
