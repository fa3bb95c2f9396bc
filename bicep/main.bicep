// CoordinationFunctions on Azure: a Flex Consumption function app running the ASP.NET Core custom handler, with
// identity-only Table/Queue/Blob storage, Web PubSub, Application Insights on Log Analytics, Key Vault for the
// app's secrets, and least-privilege role assignments. Subscription scope (the azd convention): it creates the
// resource group 'rg-<environmentName>'. Deploy with `azd up` (azure.yaml) or infra/deploy (az CLI).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Environment name (azd: AZURE_ENV_NAME). Names the resource group and seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@metadata({ azd: { type: 'location' } })
@description('Region for every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations.')
param location string

@description('Object id of the deploying user or principal (azd: AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer on the vault to read the first tenant key and rotate keys; empty assigns nothing.')
param principalId string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Id of the first tenant (letters and digits). Its API keys become Coordination__Tenants__<id>__Keys.')
@minLength(1)
@maxLength(32)
param firstTenantId string = 'default'

@description('API keys of the first tenant, \';\'-separated, each \'ck_\' + 17 or more characters. Two while rotating.')
@secure()
param tenantKeys string

@description('Agent-token signing keys \'keyId:secret;keyId:secret\' (secrets of 32+ characters). The first signs, all verify.')
@secure()
param tokenSigningKeys string

@description('Coordination__TableName: the table holding every swarm\'s rows.')
param tableName string = 'coordination'

@description('Coordination__WakeQueueName: the queue of coalesced wake-up messages (DispatchSwarm\'s trigger).')
param wakeQueueName string = 'coordination-wake'

@description('Coordination__MaxRequestBodyBytes.')
param maxRequestBodyBytes int = 1048576

@description('Coordination__AgentTokenLifetimeHours.')
param agentTokenLifetimeHours int = 168

@description('Coordination__PresenceTtlSeconds.')
param presenceTtlSeconds int = 90

@description('Coordination__EventPollMilliseconds.')
param eventPollMilliseconds int = 2000

@description('Web PubSub hub for swarm events.')
param webPubSubHubName string = 'coordination'

@description('Web PubSub SKU: Free_F1 costs nothing (20 connections, no SLA); Standard_S1 for production.')
@allowed([
  'Free_F1'
  'Standard_S1'
])
param webPubSubSku string = 'Free_F1'

@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption maximum instance count.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var deploymentContainerName = 'app-package'
var tenantKeysSecretName = 'tenant-${toLower(firstTenantId)}-keys'
var tokenSigningKeysSecretName = 'token-signing-keys'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    tableName: tableName
    wakeQueueName: wakeQueueName
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module webPubSub 'modules/webpubsub.bicep' = {
  name: 'webpubsub'
  scope: rg
  params: {
    name: 'wps-${resourceToken}'
    location: location
    tags: tags
    hubName: webPubSubHubName
    skuName: webPubSubSku
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    tenantKeysSecretName: tenantKeysSecretName
    tenantKeys: tenantKeys
    tokenSigningKeysSecretName: tokenSigningKeysSecretName
    tokenSigningKeys: tokenSigningKeys
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    storageAccountName: storage.outputs.name
    webPubSubName: webPubSub.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    planName: 'plan-${resourceToken}'
    name: 'func-${resourceToken}'
    location: location
    tags: tags
    azdServiceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    tableName: tableName
    wakeQueueName: wakeQueueName
    firstTenantId: firstTenantId
    tenantKeysSecretUri: keyVault.outputs.tenantKeysSecretUri
    tokenSigningKeysSecretUri: keyVault.outputs.tokenSigningKeysSecretUri
    maxRequestBodyBytes: maxRequestBodyBytes
    agentTokenLifetimeHours: agentTokenLifetimeHours
    presenceTtlSeconds: presenceTtlSeconds
    eventPollMilliseconds: eventPollMilliseconds
    webPubSubEndpoint: webPubSub.outputs.endpoint
    webPubSubHub: webPubSub.outputs.hubName
  }
  // The app reads storage, Key Vault and telemetry with its identity from its first start.
  dependsOn: [
    roles
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
@description('Base URL of the API: every route is under it (e.g. <url>/health).')
output FUNCTION_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
@description('Key Vault secret holding the first tenant\'s API keys.')
output TENANT_KEYS_SECRET_NAME string = tenantKeysSecretName
output FIRST_TENANT_ID string = firstTenantId
output WEBPUBSUB_ENDPOINT string = webPubSub.outputs.endpoint
output WEBPUBSUB_HUB string = webPubSub.outputs.hubName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
