import { request } from './http-client.js';
import { TEST_API_KEY, unique } from './running-services.js';

export interface CustomerJson {
  id: number;
  name: string;
  address: string;
  orders_count: number;
}

/** Registers a customer with a unique name through Customer Service's own API. */
export async function createCustomer(customerServiceUrl: string, apiKey = TEST_API_KEY): Promise<CustomerJson> {
  const response = await request<CustomerJson>(`${customerServiceUrl}/api/v1/customers`, {
    headers: { 'x-internal-api-key': apiKey },
    body: { name: unique('Customer'), address: '1 Test Street, Testville' },
  });
  if (response.status !== 201) throw new Error(`could not create customer: ${response.status} ${response.text}`);
  return response.body;
}

export async function getCustomer(customerServiceUrl: string, id: number, apiKey = TEST_API_KEY): Promise<CustomerJson> {
  const response = await request<CustomerJson>(`${customerServiceUrl}/api/v1/customers/${id}`, {
    headers: { 'x-internal-api-key': apiKey },
  });
  if (response.status !== 200) throw new Error(`could not read customer ${id}: ${response.status} ${response.text}`);
  return response.body;
}
