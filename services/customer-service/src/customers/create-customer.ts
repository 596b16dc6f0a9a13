import type { Result } from '@orders/service-kit';
import { toCustomer, type Customer } from './customer.js';
import type { CreateCustomerBody } from './customer.schemas.js';
import type { CustomersRepository } from './customers.repository.js';

export type CreateCustomerResult = Result<{ customer: Customer }, { error: 'customer_name_taken' }>;

/** Registers a customer under a name no other customer has, ignoring case. */
export async function createCustomer(customers: CustomersRepository, body: CreateCustomerBody): Promise<CreateCustomerResult> {
  const stored = await customers.insert({ name: body.name.trim(), address: body.address.trim() });
  if (stored === 'name_taken') return { ok: false, error: 'customer_name_taken' };
  return { ok: true, customer: toCustomer(stored) };
}
