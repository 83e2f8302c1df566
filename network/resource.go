package network

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sceau/sceau/chaincode/record"
)

// resourceFn names a function of the resources contract.
func resourceFn(name string) string { return record.ResourceContractName + ":" + name }

// RegisterResource registers a new resource, submitted by org (the
// platform's organisation).
func (c *Contract) RegisterResource(ctx context.Context, org string, req record.ResourceRequest) (*record.Resource, error) {
	return c.registerResource(ctx, org, "RegisterResource", req)
}

// RegisterResourceVersion registers a new version of a resource (req.Previous
// names the version it replaces), submitted by org.
func (c *Contract) RegisterResourceVersion(ctx context.Context, org string, req record.ResourceRequest) (*record.Resource, error) {
	return c.registerResource(ctx, org, "RegisterResourceVersion", req)
}

func (c *Contract) registerResource(ctx context.Context, org, fn string, req record.ResourceRequest) (*record.Resource, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding the request: %w", fn, err)
	}
	var res record.Resource
	if err := c.submit(ctx, org, resourceFn(fn), &res, string(body)); err != nil {
		return nil, err
	}
	return &res, nil
}

// EndorseResource records a reviewer's endorsement, submitted by org.
func (c *Contract) EndorseResource(ctx context.Context, org string, req record.EndorseRequest) (*record.ResourceEndorsement, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("EndorseResource: encoding the request: %w", err)
	}
	var e record.ResourceEndorsement
	if err := c.submit(ctx, org, resourceFn("EndorseResource"), &e, string(body)); err != nil {
		return nil, err
	}
	return &e, nil
}

// GetResource returns the provenance record of a resource with its
// endorsements (wrapping ErrNotFound when it is not registered).
func (c *Contract) GetResource(ctx context.Context, digest string) (*record.Resource, error) {
	var res record.Resource
	if err := c.evaluate(ctx, resourceFn("GetResource"), &res, digest); err != nil {
		return nil, err
	}
	return &res, nil
}

// GetResourceLineage returns the ancestors and descendants of a resource
// (wrapping ErrNotFound when it is not registered).
func (c *Contract) GetResourceLineage(ctx context.Context, digest string) (*record.Lineage, error) {
	var l record.Lineage
	if err := c.evaluate(ctx, resourceFn("GetResourceLineage"), &l, digest); err != nil {
		return nil, err
	}
	return &l, nil
}

// FindResources returns the registered resources among digests (1 to
// record.MaxFindResources of them), in the order asked, without their
// endorsements.
func (c *Contract) FindResources(ctx context.Context, digests []string) ([]record.Resource, error) {
	body, err := json.Marshal(digests)
	if err != nil {
		return nil, fmt.Errorf("FindResources: encoding the digests: %w", err)
	}
	var found []record.Resource
	if err := c.evaluate(ctx, resourceFn("FindResources"), &found, string(body)); err != nil {
		return nil, err
	}
	return found, nil
}
