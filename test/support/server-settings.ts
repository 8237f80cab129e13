/** History length at which the test dev server suggests continue-as-new (production default: 4,096 events). */
export const CONTINUE_AS_NEW_SUGGESTED_AT = 300;
